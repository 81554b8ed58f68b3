#pragma once
// Authentication (Basic or the JSESSIONID cookie) and the CSRF check, as platform.md says.
// The parsing and the decisions are pure functions; `authenticate` strings them together.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/route.hpp"
#include "gws/context.hpp"
#include "http/credentials.hpp"

namespace parley::http {

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
