#pragma once
// The Bus inside one process: for a single node on a shared PostgreSQL store (no NATS), so
// the node runs the same lease-holding path as in a cluster of one. Handlers run on the
// publishing thread.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "bus/bus.hpp"

namespace parley::bus {

class LocalBus final : public Bus {
 public:
  bool publish(const std::string& subject, std::string_view data) override;
  SubscriptionId subscribe(const std::string& subject, Handler handler) override;
  void unsubscribe(SubscriptionId id) override;
  void close() override;
  void request(const std::string& subject, std::string_view data, std::chrono::milliseconds timeout,
               ReplyHandler done) override;
  void on_link_change(std::function<void(bool)>) override {}  // the link never drops

 private:
  static constexpr const char* kReplyPrefix = "_local.reply.";
  std::mutex mutex_;
  std::map<std::string, std::vector<std::pair<SubscriptionId, Handler>>> handlers_;
  SubscriptionId next_subscription_ = 1;
  std::map<std::string, ReplyHandler> pending_;  // reply subject -> who waits
  std::atomic<std::uint64_t> next_reply_{1};
};

}  // namespace parley::bus
