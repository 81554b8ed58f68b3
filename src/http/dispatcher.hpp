#pragma once
// From a parsed request to its answer: CORS, routing, authentication, CSRF, the handler,
// and the headers every answer carries. Knows nothing of sockets.
#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <cstddef>

#include "gws/context.hpp"
#include "http/cors.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"

namespace parley::http {

// Requests a second each address and each signed-in user may make (0: unlimited), and chats
// each address may start a minute (customers are anonymous: this is what stops a script
// from filling the queues).
struct RequestLimits {
  double per_address_per_second = 0;
  double per_user_per_second = 0;
  double chats_per_address_per_minute = 0;
};

class Dispatcher {
 public:
  Dispatcher(gws::ApiContext& ctx, Router& router, const CorsPolicy& cors, std::size_t default_body_limit,
             RequestLimits limits = {})
      : ctx_(ctx),
        router_(router),
        cors_(cors),
        default_body_limit_(default_body_limit),
        per_address_(limits.per_address_per_second, limits.per_address_per_second * 2),
        per_user_(limits.per_user_per_second, limits.per_user_per_second * 2),
        chats_per_address_(limits.chats_per_address_per_minute / 60.0, std::max(1.0, limits.chats_per_address_per_minute)) {}

  // The body limit of the route the request goes to (known once headers are read).
  std::size_t body_limit(std::string_view method, std::string_view path) const;
  boost::asio::awaitable<Response> dispatch(Request& req);
  const Router& router() const { return router_; }

 private:
  boost::asio::awaitable<Response> route(Request& req, std::string& route_label);

  gws::ApiContext& ctx_;
  Router& router_;
  const CorsPolicy& cors_;
  std::size_t default_body_limit_;
  RateLimiter per_address_, per_user_, chats_per_address_;
};

}  // namespace parley::http
