#pragma once
// This node's part in a cluster. One node at a time holds the desk lease: it carries out every
// operation (the domain strand stays the single writer, as on one machine) and commits behind
// the lease's fence. Every node terminates HTTP and CometD for its own clients: a node without
// the lease forwards API requests, CometD sign-ins and customers' CometD operations to the
// holder over bus request/reply, and delivers the notifications the holder publishes to the
// sessions it holds. When the holder dies its lease expires and another node takes over by
// loading the desk from the store; clients everywhere then re-read what they show.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <deque>
#include <map>
#include <vector>

#include "bayeux/endpoint.hpp"
#include "bus/bus.hpp"
#include "cluster/notification_relay.hpp"
#include "customer/cometd.hpp"
#include "http/dispatcher.hpp"
#include "store/pg_lease.hpp"
#include "store/pg_store.hpp"

namespace parley::cluster {

struct NodeOptions {
  std::string name;
  std::string cluster = "parley";  // the prefix of its bus subjects: clusters may share a NATS
  std::chrono::milliseconds lease_ttl{5000};
  // How long a forwarded request waits for a lease holder to appear (a takeover in progress).
  std::chrono::milliseconds holder_wait{15000};
  // How long a forwarded request may take once delivered.
  std::chrono::milliseconds request_timeout{20000};
};

// What the node needs from the server it is part of.
struct NodeParts {
  bayeux::Endpoint* gws = nullptr;       // /api/v2/notifications
  bayeux::Endpoint* customer = nullptr;  // /genesys/cometd
  customer::CustomerCometd* customer_operations = nullptr;
  http::Dispatcher* dispatcher = nullptr;
  bayeux::Authenticator* local_identity = nullptr;  // the holder's own sign-in check
  std::function<void(const std::string& user_id)> note_activity;
  // Loads the desk from the store and starts its timers; called once, on the lease thread,
  // after the lease is taken and before this node serves forwarded work.
  std::function<void()> take_over;
};

class Node final : public http::Forwarder, public bayeux::Authenticator {
 public:
  Node(NodeOptions options, boost::asio::any_io_executor io, bus::Bus& bus, store::PgStore& store, std::string store_url);
  ~Node() override;

  // Wires the hooks into the parts and starts the lease thread.
  void start(NodeParts parts);
  // At the start of a clean shutdown: takes no more forwarded work (other nodes wait for the
  // next holder instead) and will not take the lease.
  void begin_shutdown();
  // Forwarded requests still being carried out here (the shutdown waits for them).
  std::size_t in_flight() const { return in_flight_.load(); }
  // Lets the lease go, stops the lease thread and closes the bus. Call after the last commit
  // and before the parts are destroyed.
  void stop();

  bool holds_desk() const { return holder_.load(); }
  const std::string& name() const { return options_.name; }

  // http::Forwarder
  bool forwards(const Request& req) const override;
  boost::asio::awaitable<Response> forward(Request& req) override;
  // bayeux::Authenticator for the agents' endpoint: the holder checks credentials.
  boost::asio::awaitable<bayeux::Identity> identify(Request& req) override;

 private:
  void run_lease();
  void become_holder(std::int64_t epoch);
  [[noreturn]] void give_up(const std::string& why);
  void serve_holder_subjects();
  void forward_customer(const std::string& client, const std::string& channel, std::string body);
  boost::asio::awaitable<void> drain_customer_queue(std::string client);
  // Sends `data` to the lease holder on `subject`, retrying while nobody holds the lease.
  boost::asio::awaitable<std::pair<std::error_code, std::string>> ask_holder(std::string subject, std::string data);
  void publish_activity();
  std::string subject(const char* suffix) const;

  NodeOptions options_;
  boost::asio::any_io_executor io_;
  bus::Bus& bus_;
  store::PgStore& store_;
  store::PgLease lease_;
  NodeParts parts_;

  std::atomic<bool> holder_{false};       // serving: forwarded work comes here
  std::atomic<bool> lease_taken_{false};  // from taking the lease (loading the desk) on
  std::thread take_over_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::int64_t> link_down_since_ms_{0};  // steady clock ms; 0: the bus link is up
  std::vector<bus::SubscriptionId> holder_subscriptions_;  // touched by the take-over thread, then shutdown
  std::mutex holder_subscriptions_mutex_;
  // Customers' CometD operations, forwarded one at a time per session so they keep their order.
  std::mutex customer_mutex_;
  std::map<std::string, std::deque<std::pair<std::string, std::string>>> customer_queue_;  // client -> (channel, body)
  std::int64_t epoch_ = 0;  // the lease epoch while holding it (set before holder_)
  NotificationRelay relay_;
  std::thread lease_thread_;
};

}  // namespace parley::cluster
