#include "bayeux/endpoint.hpp"


#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/metrics.hpp"

namespace parley::bayeux {

using asio::awaitable;

void TimerWaiter::wake() {
  asio::post(timer_.get_executor(), [self = shared_from_this()] {
    self->woken_ = true;
    self->timer_.cancel();
  });
}

awaitable<void> TimerWaiter::wait(TimeMs ms) {
  if (woken_) co_return;
  timer_.expires_after(std::chrono::milliseconds(ms));
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

std::string join_batch(const std::vector<std::string>& messages) {
  std::size_t size = 2;
  for (const auto& m : messages) size += m.size() + 1;
  std::string out;
  out.reserve(size);
  out += '[';
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i) out += ',';
    out += messages[i];
  }
  out += ']';
  return out;
}

Endpoint::Endpoint(asio::any_io_executor io, const Clock& clock, EngineOptions options, Authenticator* auth,
                   std::string path)
    : io_(io), strand_(asio::make_strand(io)), engine_(clock, std::move(options)), auth_(auth), path_(std::move(path)) {}

RouteList Endpoint::routes() {
  RouteList routes;
  auto handler = [this](Request& req) -> awaitable<Response> { return long_poll(req); };
  // Bayeux answers its own failures (403::Access denied ...), so the HTTP layer lets every
  // request through and the CSRF token does not apply (the client cannot send it).
  routes.push_back({"POST", path_, handler, Access::Public});
  routes.push_back({"POST", path_ + "/*", handler, Access::Public});
  return routes;
}

awaitable<BatchOutcome> Endpoint::process(const json::array& batch, const Identity& who, std::shared_ptr<Waiter> waiter) {
  co_await asio::post(asio::bind_executor(strand_, asio::use_awaitable));
  BatchOutcome outcome = engine_.process(batch, who, waiter);
  update_gauges();
  co_await asio::post(asio::use_awaitable);
  co_return outcome;
}

awaitable<std::vector<std::string>> Endpoint::complete(const HeldConnect& held) {
  co_await asio::post(asio::bind_executor(strand_, asio::use_awaitable));
  std::vector<std::string> out = engine_.complete_connect(held);
  update_gauges();
  co_await asio::post(asio::use_awaitable);
  co_return out;
}

awaitable<Response> Endpoint::long_poll(Request& req) {
  Response resp;
  auto batch = parse_batch(req.body);
  if (!batch) {
    resp.status = 400;
    resp.body = R"({"statusCode":10,"statusMessage":"The body is not a Bayeux message array"})";
    co_return resp;
  }
  Identity who;
  const bool has_handshake = std::any_of(batch->begin(), batch->end(), [](const json::value& m) {
    return m.is_object() && m.as_object().contains("channel") && m.as_object().at("channel") == "/meta/handshake";
  });
  if (has_handshake && auth_) who = co_await auth_->identify(req);
  auto waiter = std::make_shared<TimerWaiter>(co_await asio::this_coro::executor);
  BatchOutcome outcome = co_await process(*batch, who, waiter);
  if (outcome.held) {
    co_await waiter->wait(outcome.held->hold_ms);
    std::vector<std::string> rest = co_await complete(*outcome.held);
    for (auto& m : rest) outcome.replies.push_back(std::move(m));
  }
  resp.body = join_batch(outcome.replies);
  co_return resp;
}

void Endpoint::deliver(const std::string& user_id, const std::string& channel, Bytes message) {
  if (relay_) return relay_->relay_to_user(path_, user_id, channel, message);
  deliver_here(user_id, channel, std::move(message));
}

void Endpoint::deliver_to_session(const std::string& client_id, Bytes message) {
  if (relay_) return relay_->relay_to_session(path_, client_id, message);
  deliver_to_session_here(client_id, std::move(message));
}

void Endpoint::close_user(const std::string& user_id) {
  if (relay_) return relay_->relay_close_user(path_, user_id);
  close_user_here(user_id);
}

void Endpoint::close_all_here() {
  asio::post(strand_, [this] {
    engine_.close_all();
    update_gauges();
  });
}

void Endpoint::deliver_here(const std::string& user_id, const std::string& channel, Bytes message) {
  asio::post(strand_, [this, user_id, channel, message = std::move(message)] {
    const auto n = engine_.deliver(user_id, channel, message);
    Metrics::global().count("parley_bayeux_deliveries_total", "", n);
    update_gauges();
  });
}

void Endpoint::deliver_to_session_here(const std::string& client_id, Bytes message) {
  asio::post(strand_, [this, client_id, message = std::move(message)] {
    engine_.deliver_to_session(client_id, message);
    update_gauges();
  });
}

void Endpoint::close_user_here(const std::string& user_id) {
  asio::post(strand_, [this, user_id] {
    engine_.close_user(user_id);
    update_gauges();
  });
}

void Endpoint::set_service_handler(std::string prefix, ServiceHandler* handler) {
  engine_.set_service_handler(std::move(prefix), handler);
}

awaitable<std::vector<std::string>> Endpoint::users_with_sessions() {
  co_await asio::post(asio::bind_executor(strand_, asio::use_awaitable));
  std::vector<std::string> users = engine_.users_with_sessions();
  co_await asio::post(asio::use_awaitable);
  co_return users;
}

void Endpoint::start() { asio::co_spawn(strand_, sweep(), asio::detached); }

void Endpoint::stop() {
  stopped_ = true;
  asio::post(strand_, [this] { engine_.wake_all(); });
}

awaitable<void> Endpoint::sweep() {
  asio::steady_timer timer(strand_);
  while (!stopped_) {
    timer.expires_after(std::chrono::milliseconds(500));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    // The timer runs on the strand, so the engine may be used here.
    engine_.expire_idle();
    update_gauges();
    queued_ = engine_.queued_messages();  // O(sessions): only here, not per delivery
    overflow_closes_ = engine_.overflow_closes();
    auto by_transport = engine_.sessions_by_transport();
    std::lock_guard lock(gauges_mutex_);
    by_transport_ = std::move(by_transport);
  }
}

void Endpoint::update_gauges() { sessions_ = engine_.session_count(); }

}  // namespace parley::bayeux
