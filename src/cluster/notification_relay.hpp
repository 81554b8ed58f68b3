#pragma once
// How notifications reach clients across a cluster. The desk holder renders each one once (by
// the one visibility filter) and publishes it on the bus with its lease epoch and a sequence
// number, plus a heartbeat every second carrying the last number; every node delivers what
// it receives to the CometD sessions it holds. A node that sees a gap, a new holder or a
// reconnect to the bus closes its sessions: their clients handshake again and re-read their
// chats from the store, so the bus is never the only copy of anything.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "bayeux/endpoint.hpp"
#include "bus/bus.hpp"

namespace parley::cluster {

class NotificationRelay final : public bayeux::Relay {
 public:
  NotificationRelay(bus::Bus& bus, std::string subject) : bus_(bus), subject_(std::move(subject)) {}

  // The two CometD endpoints deliveries end in; then receives from the bus.
  void start(bayeux::Endpoint& gws, bayeux::Endpoint& customer);
  // This node took the desk lease (epoch): from publishing() on, deliveries go to every node.
  void expect_holder(std::int64_t epoch);
  void start_publishing() { publishing_ = true; }
  // The bus link came back: whatever was published meanwhile is lost for this node.
  void link_restored();
  // Called every second on the holder.
  void heartbeat();
  // Closes this node's CometD sessions (their clients re-read from the store).
  void resync(const char* why);

  // bayeux::Relay: on the holder, to every node; elsewhere, to this node's sessions.
  void relay_to_user(const std::string& endpoint, const std::string& user_id, const std::string& channel,
                     const bayeux::Bytes& message) override;
  void relay_to_session(const std::string& endpoint, const std::string& client_id,
                        const bayeux::Bytes& message) override;
  void relay_close_user(const std::string& endpoint, const std::string& user_id) override;

 private:
  void publish(int kind, const std::string& endpoint, const std::string& key, const std::string& channel,
               const bayeux::Bytes& message);
  void receive(bus::Message message);
  bayeux::Endpoint* endpoint_at(const std::string& path) const;

  bus::Bus& bus_;
  std::string subject_;
  bayeux::Endpoint* gws_ = nullptr;
  bayeux::Endpoint* customer_ = nullptr;
  std::atomic<bool> publishing_{false};
  std::int64_t epoch_ = 0;      // this node's lease epoch while holding (set before publishing_)
  std::mutex publish_mutex_;    // one order for sequence numbers and bus publishes
  std::int64_t next_seq_ = 1;
  std::mutex receive_mutex_;
  std::int64_t known_epoch_ = 0;   // the newest holder epoch seen
  std::int64_t expected_seq_ = 0;  // 0: take whatever comes next
};

}  // namespace parley::cluster
