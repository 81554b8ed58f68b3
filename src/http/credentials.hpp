#pragma once
// Reading credentials out of request headers: HTTP Basic and one cookie. Pure string work,
// fuzzed with the rest of the request path.
#include <optional>
#include <string>
#include <string_view>

namespace parley::http {

inline constexpr const char* kSessionCookie = "JSESSIONID";

struct BasicCredentials {
  std::string user_name;
  std::string password;
};

// "Basic base64(user:password)"; nullopt when the header is not valid Basic.
std::optional<BasicCredentials> parse_basic(std::string_view authorization);
// The value of one cookie in a Cookie header.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace parley::http
