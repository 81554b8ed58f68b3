#pragma once
// Who opens a Bayeux session on /api/v2/notifications: the user of the HTTP session or of
// the Basic credentials (as every API call), from an allowed Origin. The CSRF token does
// not apply (the CometD client cannot send it); the Origin check takes its place.
#include "bayeux/endpoint.hpp"
#include "gws/context.hpp"
#include "http/cors.hpp"

namespace parley::http {

class BayeuxIdentity final : public bayeux::Authenticator {
 public:
  BayeuxIdentity(gws::ApiContext& ctx, const CorsPolicy& cors) : ctx_(ctx), cors_(cors) {}
  boost::asio::awaitable<bayeux::Identity> identify(Request& req) override;

 private:
  gws::ApiContext& ctx_;
  const CorsPolicy& cors_;
};

// Same-origin, or an origin the CORS policy allows; no Origin header (non-browser clients) is fine.
bool origin_allowed(const Request& req, const CorsPolicy& cors);

}  // namespace parley::http
