#pragma once
// From a parsed request to its answer: CORS, routing, authentication, CSRF, the handler,
// and the headers every answer carries. Knows nothing of sockets.
#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

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

// In a cluster, the API requests this node does not carry out itself (it does not hold the
// desk) are sent on to the node that does.
class Forwarder {
 public:
  virtual ~Forwarder() = default;
  virtual bool forwards(const Request& req) const = 0;
  virtual boost::asio::awaitable<Response> forward(Request& req) = 0;
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
  // A request another node forwarded here: routed and carried out, never forwarded again;
  // the node that received it adds the CORS headers.
  boost::asio::awaitable<Response> serve_forwarded(Request& req);
  const Router& router() const { return router_; }

  void set_forwarder(Forwarder* forwarder) { forwarder_ = forwarder; }
  // Every answer names the node that gave it (X-Parley-Node), when set.
  void set_node_name(std::string name) { node_name_ = std::move(name); }
  // Peers (load balancers) whose X-Forwarded-For is believed: the client's address is the
  // last address they add.
  void set_trusted_proxies(std::vector<std::string> proxies) { trusted_proxies_ = std::move(proxies); }

 private:
  boost::asio::awaitable<Response> route(Request& req, std::string& route_label, bool may_forward);
  void apply_forwarded_for(Request& req) const;

  gws::ApiContext& ctx_;
  Router& router_;
  const CorsPolicy& cors_;
  std::size_t default_body_limit_;
  RateLimiter per_address_, per_user_, chats_per_address_;
  Forwarder* forwarder_ = nullptr;
  std::string node_name_;
  std::vector<std::string> trusted_proxies_;
};

}  // namespace parley::http
