#include "http/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/metrics.hpp"
#include "gws/errors.hpp"
#include "http/auth.hpp"

namespace parley::http {

using boost::asio::awaitable;

std::size_t Dispatcher::body_limit(std::string_view method, std::string_view path) const {
  auto m = router_.match(method, path);
  if (m.route && m.route->max_body) return m.route->max_body;
  return default_body_limit_;
}

awaitable<Response> Dispatcher::route(Request& req, std::string& route_label) {
  auto match = router_.match(req.method, req.path);
  if (!match.route) {
    if (!match.allowed.empty()) {
      std::string allow;
      for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
      auto resp = gws::error_response(make_error(ErrorKind::MethodNotAllowed, "Method " + req.method + " not allowed; use " + allow));
      resp.set_header("Allow", allow);
      route_label = "method-not-allowed";
      co_return resp;
    }
    route_label = "unknown";
    co_return gws::error_response(make_error(ErrorKind::NotFound, "No such resource"));
  }
  const RouteSpec& spec = *match.route;
  route_label = spec.pattern;
  req.path_params = std::move(match.params);

  if (spec.access != Access::Public) {
    std::optional<AuthFailure> failure = co_await authenticate(ctx_, req);
    if (failure) {
      auto resp = gws::error_response(failure->error);
      if (failure->retry_after_seconds > 0) resp.set_header("Retry-After", std::to_string(failure->retry_after_seconds));
      co_return resp;
    }
    const bool has_authorization = req.header("Authorization").has_value();
    if (csrf_required(req.method, has_authorization, ctx_.settings.csrf, spec.access) &&
        !csrf_token_matches(req.caller->csrf_token, req.header("X-CSRF-TOKEN")))
      co_return gws::error_response(make_error(ErrorKind::CsrfRejected, "Missing or invalid Csrf token"));
  }

  Response resp;
  try {
    resp = co_await spec.handler(req);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: handler failed: {}", req.method, req.path, e.what());
    resp = gws::error_response(make_error(ErrorKind::Internal, "Internal error"));
  }
  if (req.caller) {
    if (req.caller->new_session) resp.headers.emplace_back("Set-Cookie", session_cookie(req.caller->cookie_token, req.secure));
    if (req.method == "GET") {
      resp.set_header("X-CSRF-HEADER", "X-CSRF-TOKEN");
      resp.set_header("X-CSRF-TOKEN", req.caller->csrf_token);
    }
  }
  co_return resp;
}

awaitable<Response> Dispatcher::dispatch(Request& req) {
  const auto started = std::chrono::steady_clock::now();
  const std::string origin(req.header("Origin").value_or(""));
  Response resp;
  std::string route_label;
  // The customer API is open to any origin, without credentials (customer.md).
  const bool customer_api = req.path.starts_with("/genesys/");
  if (req.method == "OPTIONS") {
    resp = customer_api ? CorsPolicy::open_preflight() : cors_.preflight(origin);
    route_label = "preflight";
  } else {
    resp = co_await route(req, route_label);
    if (customer_api) resp.set_header("Access-Control-Allow-Origin", "*");
    else cors_.decorate(resp, origin);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto& metrics = Metrics::global();
  metrics.count("parley_http_requests_total",
                "route=\"" + escape_label(route_label) + "\",status=\"" + std::to_string(resp.status) + "\"");
  metrics.observe("parley_http_request_duration_seconds", seconds);
  spdlog::debug("{} {} {} {:.3f}ms {}", req.method, req.target, resp.status, seconds * 1000,
                req.caller ? req.caller->user_id : std::string("-"));
  co_return resp;
}

}  // namespace parley::http
