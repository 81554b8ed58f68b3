#include "http/bayeux_identity.hpp"

#include "http/auth.hpp"

namespace parley::http {

bool origin_allowed(const Request& req, const CorsPolicy& cors) {
  auto origin = req.header("Origin");
  if (!origin || origin->empty()) return true;
  return *origin == req.base_url || cors.allows(*origin);
}

boost::asio::awaitable<bayeux::Identity> BayeuxIdentity::identify(Request& req) {
  bayeux::Identity who;
  who.origin_allowed = origin_allowed(req, cors_);
  std::optional<AuthFailure> failure = co_await authenticate(ctx_, req);
  if (!failure && req.caller) {
    who.user_id = req.caller->user_id;
    ctx_.accounts.note_activity(who.user_id);
  }
  co_return who;
}

}  // namespace parley::http
