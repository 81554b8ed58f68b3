#pragma once
// A CometD endpoint: the Engine on its own strand, the long-polling transport as a route
// handler, the hooks the websocket transport uses, and the server-side publish API.
// Thread-safe entry points post to the strand; the engine is only touched there.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <memory>
#include <string>

#include "bayeux/engine.hpp"
#include "common/route.hpp"

namespace parley::bayeux {

namespace asio = boost::asio;

// Tells who a transport's peer is (the GWS endpoint: the HTTP session or Basic credentials,
// and whether the Origin is allowed). Implemented by the application.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual asio::awaitable<Identity> identify(Request& req) = 0;
};

// A held connect waits on this timer; wake() cancels it from the engine's strand.
class TimerWaiter final : public Waiter, public std::enable_shared_from_this<TimerWaiter> {
 public:
  explicit TimerWaiter(asio::any_io_executor ex) : timer_(ex) {}
  void wake() override;
  // Waits until woken or `ms` passed. Call on the executor given to the constructor.
  asio::awaitable<void> wait(TimeMs ms);

 private:
  asio::steady_timer timer_;
  bool woken_ = false;  // touched only on the timer's executor
};

// In a cluster, where deliveries go instead of this node's sessions: to every node over the
// bus, each of which delivers to its own sessions (the *_here methods below).
class Relay {
 public:
  virtual ~Relay() = default;
  virtual void relay_to_user(const std::string& endpoint, const std::string& user_id, const std::string& channel,
                             const Bytes& message) = 0;
  virtual void relay_to_session(const std::string& endpoint, const std::string& client_id, const Bytes& message) = 0;
  virtual void relay_close_user(const std::string& endpoint, const std::string& user_id) = 0;
};

class Endpoint {
 public:
  Endpoint(asio::any_io_executor io, const Clock& clock, EngineOptions options, Authenticator* auth,
           std::string path);

  const std::string& path() const { return path_; }
  // In a cluster, the websocket upgrade's answer names the node (X-Parley-Node), as every
  // HTTP answer does. Set before start().
  void set_node_name(std::string name) { node_name_ = std::move(name); }
  const std::string& node_name() const { return node_name_; }
  // The long-polling routes: POST <path> and POST <path>/* (the client appends the message type).
  RouteList routes();

  // --- for transports ---
  asio::awaitable<BatchOutcome> process(const json::array& batch, const Identity& who, std::shared_ptr<Waiter> waiter);
  asio::awaitable<std::vector<std::string>> complete(const HeldConnect& held);
  Authenticator* authenticator() const { return auth_; }

  // --- server-side publish, callable from any thread ---
  void deliver(const std::string& user_id, const std::string& channel, Bytes message);
  void deliver_to_session(const std::string& client_id, Bytes message);
  void close_user(const std::string& user_id);
  // Set before start(); null (the default): deliveries go straight to this node's sessions.
  void set_relay(Relay* relay) { relay_ = relay; }
  // This node's sessions only (what a relayed delivery ends in).
  void deliver_here(const std::string& user_id, const std::string& channel, Bytes message);
  void deliver_to_session_here(const std::string& client_id, Bytes message);
  void close_user_here(const std::string& user_id);
  void close_all_here();
  void set_service_handler(std::string prefix, ServiceHandler* handler);

  // Expiry sweep; runs until stop().
  void start();
  void stop();  // wakes held connects so they answer at once
  asio::awaitable<std::vector<std::string>> users_with_sessions();
  std::size_t session_count() const { return sessions_.load(); }
  std::size_t queued_messages() const { return queued_.load(); }
  // Read on the sweep (every 500 ms), for /metrics.
  std::map<std::string, std::size_t> sessions_by_transport() const {
    std::lock_guard lock(gauges_mutex_);
    return by_transport_;
  }
  std::uint64_t overflow_closes() const { return overflow_closes_.load(); }

 private:
  asio::awaitable<Response> long_poll(Request& req);
  asio::awaitable<void> sweep();
  void update_gauges();

  asio::any_io_executor io_;
  asio::strand<asio::any_io_executor> strand_;
  Engine engine_;
  Authenticator* auth_;
  Relay* relay_ = nullptr;
  std::string path_;
  std::string node_name_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> sessions_{0};
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::uint64_t> overflow_closes_{0};
  mutable std::mutex gauges_mutex_;
  std::map<std::string, std::size_t> by_transport_;
};

// Parses a request body as a Bayeux batch: a JSON array of messages, or one message.
// "[a,b,c]" from serialized messages.
std::string join_batch(const std::vector<std::string>& messages);

}  // namespace parley::bayeux
