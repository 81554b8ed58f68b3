#pragma once
// Authentication (Basic or the JSESSIONID cookie) and the CSRF check, as platform.md says.
// The parsing and the decisions are pure functions; `authenticate` strings them together.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/route.hpp"
#include "gws/context.hpp"

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

// Writes authenticated by the cookie alone must carry the session's token.
bool csrf_required(std::string_view method, bool has_authorization_header, bool csrf_enabled, Access access);
bool csrf_token_matches(std::string_view expected, std::optional<std::string_view> sent);

struct AuthFailure {
  Error error;
  int retry_after_seconds = 0;  // for TooManyRequests
};

// Establishes req.caller or says why not. May create a session (stored before it returns).
boost::asio::awaitable<std::optional<AuthFailure>> authenticate(gws::ApiContext& ctx, Request& req);

std::string session_cookie(const std::string& token, bool secure);

}  // namespace parley::http
