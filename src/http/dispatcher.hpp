#pragma once
// From a parsed request to its answer: CORS, routing, authentication, CSRF, the handler,
// and the headers every answer carries. Knows nothing of sockets.
#include <boost/asio/awaitable.hpp>

#include <cstddef>

#include "gws/context.hpp"
#include "http/cors.hpp"
#include "http/router.hpp"

namespace parley::http {

class Dispatcher {
 public:
  Dispatcher(gws::ApiContext& ctx, Router& router, const CorsPolicy& cors, std::size_t default_body_limit)
      : ctx_(ctx), router_(router), cors_(cors), default_body_limit_(default_body_limit) {}

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
};

}  // namespace parley::http
