#include "cluster/notification_relay.hpp"

#include <spdlog/spdlog.h>

#include "cluster/wire.hpp"

namespace parley::cluster {

void NotificationRelay::start(bayeux::Endpoint& gws, bayeux::Endpoint& customer) {
  gws_ = &gws;
  customer_ = &customer;
  gws.set_relay(this);
  customer.set_relay(this);
  bus_.subscribe(subject_, [this](bus::Message m) { receive(std::move(m)); });
}

void NotificationRelay::expect_holder(std::int64_t epoch) {
  epoch_ = epoch;
  std::lock_guard lock(receive_mutex_);
  known_epoch_ = epoch;
  expected_seq_ = 0;
}

void NotificationRelay::link_restored() {
  {
    std::lock_guard lock(receive_mutex_);
    expected_seq_ = 0;
  }
  resync("the link to the bus came back");
}

void NotificationRelay::heartbeat() {
  if (!publishing_) return;
  Push beat;
  beat.epoch = epoch_;
  beat.kind = PushKind::Heartbeat;
  std::lock_guard lock(publish_mutex_);
  beat.seq = next_seq_ - 1;  // the last notification published
  bus_.publish(subject_, encode_push(beat));
}

void NotificationRelay::resync(const char* why) {
  spdlog::info("cluster: closing this node's CometD sessions: {}", why);
  if (gws_) gws_->close_all_here();
  if (customer_) customer_->close_all_here();
}

void NotificationRelay::relay_to_user(const std::string& endpoint, const std::string& user_id,
                                      const std::string& channel, const bayeux::Bytes& message) {
  if (!publishing_) return endpoint_at(endpoint)->deliver_here(user_id, channel, message);
  publish(static_cast<int>(PushKind::User), endpoint, user_id, channel, message);
}

void NotificationRelay::relay_to_session(const std::string& endpoint, const std::string& client_id,
                                         const bayeux::Bytes& message) {
  if (!publishing_) return endpoint_at(endpoint)->deliver_to_session_here(client_id, message);
  publish(static_cast<int>(PushKind::Session), endpoint, client_id, {}, message);
}

void NotificationRelay::relay_close_user(const std::string& endpoint, const std::string& user_id) {
  if (!publishing_) return endpoint_at(endpoint)->close_user_here(user_id);
  publish(static_cast<int>(PushKind::CloseUser), endpoint, user_id, {}, nullptr);
}

void NotificationRelay::publish(int kind, const std::string& endpoint, const std::string& key,
                                const std::string& channel, const bayeux::Bytes& message) {
  Push push;
  push.epoch = epoch_;
  push.endpoint = endpoint;
  push.kind = static_cast<PushKind>(kind);
  push.key = key;
  push.channel = channel;
  if (message) push.message = *message;
  std::lock_guard lock(publish_mutex_);
  push.seq = next_seq_;
  // A notification the bus refused (too large) takes no sequence number: the others would
  // see a gap for something they could never have received.
  if (bus_.publish(subject_, encode_push(push))) ++next_seq_;
}

void NotificationRelay::receive(bus::Message message) {
  Push push;
  try {
    push = decode_push(message.data);
  } catch (const std::exception& e) {
    spdlog::error("cluster: a malformed notification on the bus: {}", e.what());
    return;
  }
  {
    std::lock_guard lock(receive_mutex_);
    if (push.epoch < known_epoch_) return;  // from a holder that has been replaced
    if (push.epoch > known_epoch_) {
      // A new holder, serving: its first notification or heartbeat.
      const bool had_holder = known_epoch_ != 0;
      known_epoch_ = push.epoch;
      expected_seq_ = push.seq + 1;
      if (had_holder) {
        resync("another node took the desk over");
        return;
      }
      if (push.kind == PushKind::Heartbeat) return;
    } else if (push.kind == PushKind::Heartbeat) {
      // seq is the last notification published: anything after our last one was missed.
      const bool missed = expected_seq_ != 0 && push.seq + 1 != expected_seq_;
      expected_seq_ = push.seq + 1;
      if (missed) resync("notifications were missed");
      return;
    } else if (expected_seq_ != 0 && push.seq != expected_seq_) {
      expected_seq_ = push.seq + 1;
      resync("notifications were missed");
      return;
    } else {
      expected_seq_ = push.seq + 1;
    }
  }
  bayeux::Endpoint* endpoint = endpoint_at(push.endpoint);
  if (!endpoint) return;
  switch (push.kind) {
    case PushKind::User:
      endpoint->deliver_here(push.key, push.channel, std::make_shared<const std::string>(std::move(push.message)));
      break;
    case PushKind::Session:
      endpoint->deliver_to_session_here(push.key, std::make_shared<const std::string>(std::move(push.message)));
      break;
    case PushKind::CloseUser:
      endpoint->close_user_here(push.key);
      break;
    case PushKind::Heartbeat:
      break;
  }
}

bayeux::Endpoint* NotificationRelay::endpoint_at(const std::string& path) const {
  if (gws_ && gws_->path() == path) return gws_;
  if (customer_ && customer_->path() == path) return customer_;
  return nullptr;
}

}  // namespace parley::cluster
