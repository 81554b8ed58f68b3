#pragma once
// Parsing request bodies as JSON objects, strictly: besides malformed JSON and invalid
// UTF-8, an object with the same key twice is refused. Parsers disagree on which duplicate
// wins, so `{"operationName":"SetInFocus","operationName":"Complete"}` could mean one thing
// to a proxy or an audit log and another to Parley; refusing it removes the ambiguity.
#include <boost/json/object.hpp>

#include <string_view>

#include "common/error.hpp"

namespace parley {

// InvalidValue (with the reason) unless `body` is one JSON object without duplicate keys at
// any depth.
Expected<boost::json::object> parse_json_object(std::string_view body);

// The same check on its own, for bodies parsed elsewhere (Bayeux batches).
bool has_duplicate_keys(std::string_view json_text);

}  // namespace parley
