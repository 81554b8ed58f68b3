#include "bus/local_bus.hpp"

namespace parley::bus {

bool LocalBus::publish(const std::string& subject, std::string_view data) {
  std::vector<std::pair<SubscriptionId, Handler>> handlers;
  ReplyHandler waiting;
  {
    std::lock_guard lock(mutex_);
    if (auto it = pending_.find(subject); it != pending_.end()) {
      waiting = std::move(it->second);
      pending_.erase(it);
    } else if (auto h = handlers_.find(subject); h != handlers_.end()) {
      handlers = h->second;
    }
  }
  if (waiting) {
    waiting({}, std::string(data));
    return true;
  }
  for (auto& [id, handler] : handlers) handler(Message{subject, std::string(data), {}});
  return true;
}

SubscriptionId LocalBus::subscribe(const std::string& subject, Handler handler) {
  std::lock_guard lock(mutex_);
  const SubscriptionId id = next_subscription_++;
  handlers_[subject].emplace_back(id, std::move(handler));
  return id;
}

void LocalBus::unsubscribe(SubscriptionId id) {
  std::lock_guard lock(mutex_);
  for (auto& [subject, list] : handlers_)
    std::erase_if(list, [id](const auto& entry) { return entry.first == id; });
}

void LocalBus::close() {
  std::lock_guard lock(mutex_);
  handlers_.clear();
}

void LocalBus::request(const std::string& subject, std::string_view data, std::chrono::milliseconds,
                       ReplyHandler done) {
  // The answer comes through publish() on the reply subject; in one process it cannot be
  // lost, so there is no timeout to keep.
  Handler handler;
  const std::string reply = kReplyPrefix + std::to_string(next_reply_++);
  {
    std::lock_guard lock(mutex_);
    auto h = handlers_.find(subject);
    if (h == handlers_.end() || h->second.empty()) {
      handler = nullptr;
    } else {
      handler = h->second.front().second;
      pending_.emplace(reply, std::move(done));
    }
  }
  if (!handler) return done(make_error_code(BusError::NoResponders), {});
  handler(Message{subject, std::string(data), reply});
}

}  // namespace parley::bus
