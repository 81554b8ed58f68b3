#pragma once
// From Beast's parsed request head to the plain Request handlers see, and the checks on the
// head's size. Separate from the connection code so the request path can be fuzzed without
// sockets.
#include <boost/beast/http/message.hpp>

#include <cstddef>
#include <string_view>

#include "common/error.hpp"
#include "common/web.hpp"

namespace parley::http {

namespace bhttp = boost::beast::http;

// Fills method, target, path (decoded per segment; an encoded slash stays "%2F"), query and
// headers; false when the target is not a valid origin-form URL.
bool to_request(const bhttp::request_header<>& in, Request& out);

// Which limit a header that did not fit broke: 414 when the request line alone is too long
// (the bytes received so far are `data`), else 431.
ErrorKind header_overflow_kind(std::string_view data, std::size_t request_line_limit);

// The size of the header fields as sent (name, value, separators).
std::size_t header_bytes(const bhttp::request_header<>& h);

}  // namespace parley::http
