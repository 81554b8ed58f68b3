#include "bus/nats_bus.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <random>
#include <stdexcept>

namespace parley::bus {

namespace {
void check(natsStatus s, const char* what) {
  if (s != NATS_OK) throw std::runtime_error(std::string(what) + ": " + natsStatus_GetText(s));
}

std::string random_token() {
  std::random_device rd;
  std::uniform_int_distribution<int> digit(0, 35);
  std::string out;
  for (int i = 0; i < 16; ++i) {
    const int d = digit(rd);
    out += static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
  }
  return out;
}

Message message_of(natsMsg* msg) {
  Message m;
  m.subject = natsMsg_GetSubject(msg);
  if (const char* reply = natsMsg_GetReply(msg)) m.reply = reply;
  m.data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  return m;
}

// A node must not drop messages because its handler is briefly slow: no pending limit.
void unlimited(natsSubscription* sub) { natsSubscription_SetPendingLimits(sub, -1, -1); }
}  // namespace

NatsBus::NatsBus(NatsBusOptions options) : options_(std::move(options)) {
  natsOptions* opts = nullptr;
  check(natsOptions_Create(&opts), "NATS options");
  std::unique_ptr<natsOptions, void (*)(natsOptions*)> holder(opts, natsOptions_Destroy);
  check(natsOptions_SetURL(opts, options_.url.c_str()), "NATS URL");
  if (!options_.node_name.empty()) check(natsOptions_SetName(opts, options_.node_name.c_str()), "NATS name");
  // Keep trying for ever: a NATS restart must not take the node down.
  check(natsOptions_SetMaxReconnect(opts, -1), "NATS reconnect");
  check(natsOptions_SetReconnectWait(opts, 250), "NATS reconnect wait");
  check(natsOptions_SetDisconnectedCB(opts, &NatsBus::on_disconnected, this), "NATS callback");
  check(natsOptions_SetReconnectedCB(opts, &NatsBus::on_reconnected, this), "NATS callback");
  const natsStatus s = natsConnection_Connect(&conn_, opts);
  if (s != NATS_OK) throw std::runtime_error("cannot connect to NATS at " + options_.url + ": " + natsStatus_GetText(s));
  inbox_ = "_INBOX." + random_token();
  check(natsConnection_Subscribe(&inbox_sub_, conn_, (inbox_ + ".*").c_str(), &NatsBus::on_reply, this),
        "NATS inbox");
  unlimited(inbox_sub_);
  timeouts_ = std::thread([this] { expire_requests(); });
}

NatsBus::~NatsBus() {
  close();
  natsConnection_Destroy(conn_);
  std::map<std::uint64_t, PendingRequest> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(pending_);
  }
  for (auto& [id, p] : left) p.done(make_error_code(BusError::Unavailable), {});
}

void NatsBus::close() {
  std::map<SubscriptionId, std::unique_ptr<Subscription>> subscriptions;
  {
    std::lock_guard lock(subscriptions_mutex_);
    if (closed_) return;
    closed_ = true;
    subscriptions.swap(subscriptions_);
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (timeouts_.joinable()) timeouts_.join();
  // What has arrived is handled, then the handlers are done for good.
  for (auto& [id, s] : subscriptions) {
    if (natsSubscription_Drain(s->sub) == NATS_OK) natsSubscription_WaitForDrainCompletion(s->sub, 2000);
    natsSubscription_Destroy(s->sub);
  }
  natsConnection_Close(conn_);
  if (inbox_sub_) natsSubscription_Destroy(inbox_sub_);
  inbox_sub_ = nullptr;
  std::map<std::uint64_t, PendingRequest> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(pending_);
  }
  for (auto& [id, p] : left) p.done(make_error_code(BusError::Unavailable), {});
}


bool NatsBus::publish(const std::string& subject, std::string_view data) {
  const natsStatus s = natsConnection_Publish(conn_, subject.c_str(), data.data(), static_cast<int>(data.size()));
  // While reconnecting, libnats buffers what is published; a failure here means the
  // message is too large, the buffer is full or the connection closed.
  if (s != NATS_OK) spdlog::warn("bus: publish on {} failed: {}", subject, natsStatus_GetText(s));
  return s == NATS_OK;
}

SubscriptionId NatsBus::subscribe(const std::string& subject, Handler handler) {
  auto s = std::make_unique<Subscription>(Subscription{this, std::move(handler)});
  check(natsConnection_Subscribe(&s->sub, conn_, subject.c_str(), &NatsBus::on_message, s.get()),
        "NATS subscribe");
  unlimited(s->sub);
  std::lock_guard lock(subscriptions_mutex_);
  const SubscriptionId id = next_subscription_++;
  subscriptions_.emplace(id, std::move(s));
  return id;
}

void NatsBus::unsubscribe(SubscriptionId id) {
  std::unique_ptr<Subscription> s;
  {
    std::lock_guard lock(subscriptions_mutex_);
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) return;
    s = std::move(it->second);
    subscriptions_.erase(it);
  }
  if (natsSubscription_Drain(s->sub) == NATS_OK) natsSubscription_WaitForDrainCompletion(s->sub, 2000);
  natsSubscription_Destroy(s->sub);
}

void NatsBus::request(const std::string& subject, std::string_view data, std::chrono::milliseconds timeout,
                      ReplyHandler done) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_request_++;
    // The timeout thread looks every 50 ms; waking it per request would cost more than it saves.
    pending_.emplace(id, PendingRequest{std::chrono::steady_clock::now() + timeout, std::move(done)});
  }
  const std::string reply = inbox_ + "." + std::to_string(id);
  const natsStatus s = natsConnection_PublishRequest(conn_, subject.c_str(), reply.c_str(), data.data(),
                                                     static_cast<int>(data.size()));
  if (s != NATS_OK) {
    ReplyHandler failed;
    {
      std::lock_guard lock(mutex_);
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      failed = std::move(it->second.done);
      pending_.erase(it);
    }
    failed(make_error_code(BusError::Unavailable), {});
  }
}

void NatsBus::on_link_change(std::function<void(bool)> callback) {
  std::lock_guard lock(mutex_);
  link_callback_ = std::move(callback);
}

void NatsBus::on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* s = static_cast<Subscription*>(closure);
  Message m = message_of(msg);
  natsMsg_Destroy(msg);
  s->handler(std::move(m));
}

void NatsBus::on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* self = static_cast<NatsBus*>(closure);
  const std::string subject = natsMsg_GetSubject(msg);
  const bool no_responders = natsMsg_IsNoResponders(msg);
  std::string data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  natsMsg_Destroy(msg);
  std::uint64_t id = 0;
  try {
    id = std::stoull(subject.substr(subject.rfind('.') + 1));
  } catch (const std::exception&) {
    return;
  }
  ReplyHandler done;
  {
    std::lock_guard lock(self->mutex_);
    auto it = self->pending_.find(id);
    if (it == self->pending_.end()) return;  // answered after its timeout
    done = std::move(it->second.done);
    self->pending_.erase(it);
  }
  if (no_responders) done(make_error_code(BusError::NoResponders), {});
  else done({}, std::move(data));
}

void NatsBus::on_disconnected(natsConnection*, void* closure) { static_cast<NatsBus*>(closure)->link_changed(false); }
void NatsBus::on_reconnected(natsConnection*, void* closure) { static_cast<NatsBus*>(closure)->link_changed(true); }

void NatsBus::link_changed(bool up) {
  spdlog::warn("bus: link to NATS {}", up ? "restored" : "lost");
  std::function<void(bool)> callback;
  {
    std::lock_guard lock(mutex_);
    callback = link_callback_;
  }
  if (callback) callback(up);
}

void NatsBus::expire_requests() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    std::vector<ReplyHandler> expired;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline <= now) {
        expired.push_back(std::move(it->second.done));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    if (expired.empty()) continue;
    lock.unlock();
    for (auto& done : expired) done(make_error_code(BusError::Timeout), {});
    lock.lock();
  }
}

}  // namespace parley::bus
