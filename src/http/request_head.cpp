#include "http/request_head.hpp"

#include <boost/url/parse.hpp>

namespace parley::http {

// Fills the plain Request from Beast's; false when the target is not a valid origin-form URL.
bool to_request(const bhttp::request_header<>& in, Request& out) {
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  auto url = boost::urls::parse_origin_form(in.target());
  if (!url) return false;
  // Decoded segment by segment: an encoded slash (%2F) stays inside its segment (as %2F), so
  // it can never turn an id into more path and reach another route.
  out.path.clear();
  for (auto segment : url->segments()) {
    out.path += '/';
    for (char c : segment) {
      if (c == '/') out.path += "%2F";
      else out.path += c;
    }
  }
  if (out.path.empty()) out.path = "/";
  for (auto param : url->params()) out.query.emplace(param.key, param.value);
  for (const auto& field : in) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return true;
}

// 414 when the request line alone is too long, else 431.
ErrorKind header_overflow_kind(std::string_view data, std::size_t request_line_limit) {
  auto eol = data.find("\r\n");
  return (eol == std::string_view::npos || eol > request_line_limit) ? ErrorKind::UriTooLong
                                                                      : ErrorKind::HeadersTooLarge;
}

std::size_t header_bytes(const bhttp::request_header<>& h) {
  std::size_t n = 0;
  for (const auto& f : h) n += f.name_string().size() + f.value().size() + 4;
  return n;
}

}  // namespace parley::http
