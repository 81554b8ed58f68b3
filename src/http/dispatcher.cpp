#include "http/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/metrics.hpp"
#include "customer/routes.hpp"
#include "gws/errors.hpp"
#include "http/auth.hpp"

namespace parley::http {

using boost::asio::awaitable;

namespace {
// 429 in the caller's API: the customer API's envelope (statusCode 1) or the GWS error.
// The agent API takes JSON. A body labelled as a form or as text is refused rather than read
// as JSON: browsers send those types cross-site without asking (CSRF), JSON they do not. A
// body without a Content-Type is read as JSON, as scripts often omit it.
bool acceptable_json_type(const Request& req) {
  auto type = req.header("Content-Type");
  if (!type || req.body.empty()) return true;
  std::string_view media = *type;
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  while (!media.empty() && media.front() == ' ') media.remove_prefix(1);
  return iequals(media, "application/json");
}

Response too_many(bool customer_api, int retry_after) {
  Response r = customer_api ? customer::customer_error(429, 1, "Too many requests; retry later")
                            : gws::error_response(make_error(ErrorKind::TooManyRequests, "Too many requests; retry later"));
  r.set_header("Retry-After", std::to_string(retry_after));
  return r;
}
}  // namespace

std::size_t Dispatcher::body_limit(std::string_view method, std::string_view path) const {
  auto m = router_.match(method, path);
  if (m.route && m.route->max_body) return m.route->max_body;
  return default_body_limit_;
}

void Dispatcher::apply_forwarded_for(Request& req) const {
  if (std::find(trusted_proxies_.begin(), trusted_proxies_.end(), req.remote_address) == trusted_proxies_.end())
    return;
  auto header = req.header("X-Forwarded-For");
  if (!header) return;
  std::string_view list = *header;
  const auto comma = list.rfind(',');
  std::string_view last = comma == std::string_view::npos ? list : list.substr(comma + 1);
  while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
  while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
  if (!last.empty() && last.size() <= 64) req.remote_address = std::string(last);
}

awaitable<Response> Dispatcher::serve_forwarded(Request& req) {
  std::string route_label;
  co_return co_await route(req, route_label, false);
}

awaitable<Response> Dispatcher::route(Request& req, std::string& route_label, bool may_forward) {
  if (auto wait = per_address_.take(req.remote_address)) {
    route_label = "rate-limited";
    co_return too_many(req.path.starts_with("/genesys/"), *wait);
  }
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
  const bool customer_api = req.path.starts_with("/genesys/");
  if (!customer_api && spec.method != "GET" && !acceptable_json_type(req))
    co_return gws::error_response(
        make_error(ErrorKind::UnsupportedMediaType, "Unsupported Content-Type: send the body as application/json"));
  if (spec.method == "POST" && spec.pattern == "/genesys/2/chat/{service}") {
    if (auto wait = chats_per_address_.take(req.remote_address)) co_return too_many(true, *wait);
  }
  if (may_forward && forwarder_ && forwarder_->forwards(req)) co_return co_await forwarder_->forward(req);

  if (spec.access != Access::Public) {
    std::optional<AuthFailure> failure = co_await authenticate(ctx_, req);
    if (failure) {
      auto resp = gws::error_response(failure->error);
      if (failure->retry_after_seconds > 0) resp.set_header("Retry-After", std::to_string(failure->retry_after_seconds));
      co_return resp;
    }
    if (auto wait = per_user_.take(req.caller->user_id)) co_return too_many(false, *wait);
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
  apply_forwarded_for(req);
  if (req.method == "OPTIONS") {
    resp = customer_api ? CorsPolicy::open_preflight() : cors_.preflight(origin);
    route_label = "preflight";
  } else {
    resp = co_await route(req, route_label, true);
    if (customer_api) resp.set_header("Access-Control-Allow-Origin", "*");
    else cors_.decorate(resp, origin);
  }
  if (!node_name_.empty()) resp.set_header("X-Parley-Node", node_name_);
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
