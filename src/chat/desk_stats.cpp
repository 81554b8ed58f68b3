#include "chat/desk.hpp"

namespace parley::chat {

namespace {
const char* phase_label(ChatPhase phase) {
  switch (phase) {
    case ChatPhase::Queued: return "queued";
    case ChatPhase::Offered: return "offered";
    case ChatPhase::Active: return "active";
    case ChatPhase::Ended: return "ended";
  }
  return "ended";
}
}  // namespace

DeskGauges Desk::gauges() const {
  DeskGauges g;
  for (auto phase : {ChatPhase::Queued, ChatPhase::Offered, ChatPhase::Active, ChatPhase::Ended})
    g.chats_by_state[phase_label(phase)] = 0;
  for (const auto& [id, chat] : chats_) ++g.chats_by_state[phase_label(chat->phase)];
  const TimeMs now = clock_.now_ms();
  for (const auto& service : services_) {
    g.queue_length[service] = 0;
    g.oldest_wait_seconds[service] = 0;
  }
  for (const auto& [queue, ids] : queues_) {
    g.queue_length[queue] = ids.size();
    double oldest = 0;
    if (!ids.empty()) {
      auto it = chats_.find(ids.front());  // the front has waited longest (or was put back there)
      if (it != chats_.end()) oldest = static_cast<double>(now - it->second->queued_ms) / 1000.0;
    }
    g.oldest_wait_seconds[queue] = oldest;
  }
  for (auto mode : {SupervisionMode::Monitor, SupervisionMode::Coach, SupervisionMode::BargeIn})
    g.supervisions_by_mode[std::string(mode_name(mode))] = 0;
  for (const auto& [agent, by_supervisor] : supervisions_)
    for (const auto& [supervisor, s] : by_supervisor) ++g.supervisions_by_mode[std::string(mode_name(s.mode))];
  g.agents_by_state["Ready"] = 0;
  g.agents_by_state["NotReady"] = 0;
  for (const auto& user_id : agents_.logged_in_users())
    ++g.agents_by_state[agents_.get(user_id).chat == ChannelState::Ready ? "Ready" : "NotReady"];
  return g;
}

}  // namespace parley::chat
