#include "bus/local_bus.hpp"

namespace parley::bus {

void LocalBus::publish(const std::string& subject, std::string_view data) {
  std::vector<Handler> handlers;
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
  if (waiting) return waiting({}, std::string(data));
  for (auto& handler : handlers) handler(Message{subject, std::string(data), {}});
}

void LocalBus::subscribe(const std::string& subject, Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_[subject].push_back(std::move(handler));
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
      handler = h->second.front();
      pending_.emplace(reply, std::move(done));
    }
  }
  if (!handler) return done(make_error_code(BusError::NoResponders), {});
  handler(Message{subject, std::string(data), reply});
}

}  // namespace parley::bus
