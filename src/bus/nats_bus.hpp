#pragma once
// The Bus on NATS (libnats): subjects as given, requests answered on a per-node inbox so
// that many can be in flight at once without a thread each.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus.hpp"

struct __natsConnection;
struct __natsSubscription;
struct __natsMsg;

namespace parley::bus {

struct NatsBusOptions {
  std::string url;        // nats://host:port[,nats://...]
  std::string node_name;  // shown by the NATS server's monitoring
};

class NatsBus final : public Bus {
 public:
  // Connects; throws std::runtime_error with NATS's message when it cannot.
  explicit NatsBus(NatsBusOptions options);
  ~NatsBus() override;

  bool publish(const std::string& subject, std::string_view data) override;
  SubscriptionId subscribe(const std::string& subject, Handler handler) override;
  void unsubscribe(SubscriptionId id) override;
  void close() override;
  void request(const std::string& subject, std::string_view data, std::chrono::milliseconds timeout,
               ReplyHandler done) override;
  void on_link_change(std::function<void(bool up)> callback) override;

 private:
  struct Subscription {
    NatsBus* bus;
    Handler handler;
    __natsSubscription* sub = nullptr;
  };
  struct PendingRequest {
    std::chrono::steady_clock::time_point deadline;
    ReplyHandler done;
  };

  static void on_message(__natsConnection*, __natsSubscription*, __natsMsg* msg, void* closure);
  static void on_reply(__natsConnection*, __natsSubscription*, __natsMsg* msg, void* closure);
  static void on_disconnected(__natsConnection*, void* closure);
  static void on_reconnected(__natsConnection*, void* closure);
  void expire_requests();
  void link_changed(bool up);

  NatsBusOptions options_;
  __natsConnection* conn_ = nullptr;
  std::string inbox_;  // _INBOX.<random>: replies to this node's requests
  __natsSubscription* inbox_sub_ = nullptr;
  std::mutex subscriptions_mutex_;
  std::map<SubscriptionId, std::unique_ptr<Subscription>> subscriptions_;
  SubscriptionId next_subscription_ = 1;
  bool closed_ = false;  // guarded by subscriptions_mutex_

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::uint64_t, PendingRequest> pending_;
  std::uint64_t next_request_ = 1;
  bool stopping_ = false;
  std::function<void(bool)> link_callback_;
  std::thread timeouts_;
};

}  // namespace parley::bus
