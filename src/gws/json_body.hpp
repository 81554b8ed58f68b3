#pragma once
// Reading GWS request bodies: strict about types, lenient about unknown fields (spec README).
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace parley::gws {

namespace json = boost::json;

// The body as a JSON object; malformed JSON, invalid UTF-8 or a non-object is InvalidValue.
Expected<json::object> parse_object(const std::string& body);

// Field readers: absent → nullopt (or MissingParameter when required); wrong type → InvalidValue.
Expected<std::optional<std::string>> get_string(const json::object& o, const char* key, bool required = false);
Expected<std::optional<bool>> get_bool(const json::object& o, const char* key);
Expected<std::optional<std::int64_t>> get_int(const json::object& o, const char* key);
Expected<std::optional<std::vector<std::string>>> get_string_list(const json::object& o, const char* key,
                                                                  bool required = false);

}  // namespace parley::gws
