#include "http/auth.hpp"

#include <sodium.h>

#include "gws/passwords.hpp"

namespace parley::http {

using boost::asio::awaitable;

bool csrf_required(std::string_view method, bool has_authorization_header, bool csrf_enabled, Access access) {
  if (!csrf_enabled || has_authorization_header || access != Access::User) return false;
  return method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH";
}

bool csrf_token_matches(std::string_view expected, std::optional<std::string_view> sent) {
  if (!sent || expected.empty() || sent->size() != expected.size()) return false;
  return sodium_memcmp(expected.data(), sent->data(), expected.size()) == 0;
}

std::string session_cookie(const std::string& token, bool secure) {
  return std::string(kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
}

namespace {

AuthFailure denied() { return {make_error(ErrorKind::NotAuthenticated, "Access denied")}; }

// Checks a Basic credential: the cache first, then Argon2id on the password pool.
awaitable<std::optional<std::string>> verify_basic(gws::ApiContext& ctx, const BasicCredentials& cred,
                                                   const std::string& address, std::optional<AuthFailure>& failure) {
  if (auto wait = ctx.accounts.login_blocked(cred.user_name, address)) {
    failure = AuthFailure{make_error(ErrorKind::TooManyRequests, "Too many failed logins; retry later"), *wait};
    co_return std::nullopt;
  }
  if (auto cached = ctx.accounts.cached_credential(cred.user_name, cred.password)) co_return cached;
  auto user = ctx.accounts.find_user_by_name(cred.user_name);
  const std::string hash = user ? user->password_hash : std::string();
  co_await ctx.enter_password_pool();
  const bool ok = gws::verify_password(hash, cred.password);
  co_await ctx.leave();
  if (!ok || !user || !user->enabled) {
    ctx.accounts.record_login_failure(cred.user_name, address);
    failure = denied();
    co_return std::nullopt;
  }
  ctx.accounts.cache_credential(cred.user_name, cred.password, user->id);
  co_return user->id;
}

}  // namespace

awaitable<std::optional<AuthFailure>> authenticate(gws::ApiContext& ctx, Request& req) {
  std::optional<gws::SessionInfo> session;
  if (auto cookies = req.header("Cookie")) {
    if (auto token = cookie_value(*cookies, kSessionCookie); token && !token->empty()) {
      std::optional<store::Record> touch;
      session = ctx.accounts.find_session(*token, touch);
      // The coarse last-seen time is not worth making the request wait for.
      if (touch) ctx.store.submit({std::move(*touch)}, [](std::error_code) {});
    }
  }

  Caller caller;
  if (auto authorization = req.header("Authorization")) {
    auto cred = parse_basic(*authorization);
    if (!cred) co_return denied();
    std::optional<AuthFailure> failure;
    auto user_id = co_await verify_basic(ctx, *cred, req.remote_address, failure);
    if (!user_id) co_return failure;
    if (session && session->user_id == *user_id) {
      caller = Caller{session->user_id, session->id, session->csrf_token};
    } else {
      auto created = ctx.accounts.create_session(*user_id);
      // The cookie must still work after a restart, so the session is stored first.
      const std::error_code ec = co_await ctx.commit(std::move(created.records));
      if (ec)
        co_return AuthFailure{make_error(ErrorKind::StoreUnavailable, "The store cannot write; retry later")};
      caller = Caller{*user_id, created.info.id, created.info.csrf_token, true, created.token};
    }
  } else if (session) {
    caller = Caller{session->user_id, session->id, session->csrf_token};
  } else {
    co_return denied();
  }

  auto user = ctx.accounts.find_user(caller.user_id);
  if (!user || !user->enabled) co_return denied();
  req.caller = std::move(caller);
  co_return std::nullopt;
}

}  // namespace parley::http
