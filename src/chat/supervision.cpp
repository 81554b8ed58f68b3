// Supervision (supervision.md): supervisors join their agents' chats in Monitor, Coach or
// BargeIn mode and switch between them. Part of Desk; runs on the domain strand.
#include <algorithm>

#include "chat/desk.hpp"
#include "chat/visibility.hpp"

namespace parley::chat {

void Desk::join_as_supervisor(Chat& chat, const Supervision& s) {
  // A supervisor reaching one chat through two agents joins it once, in the first mode.
  if (Participant* existing = chat.participant_of_user(s.supervisor_id);
      existing && (existing->present() || existing->state == ParticipantState::Invited))
    return;
  Participant p;
  p.role = ParticipantRole::Supervisor;
  p.user_id = s.supervisor_id;
  p.nickname = s.nickname.empty() ? display_name(s.supervisor_id) : s.nickname;
  p.mode = s.mode;
  p.visibility = visibility_of(s.mode);
  p.state = ParticipantState::Chatting;
  Participant& added = add_participant(chat, std::move(p));
  if (added.visibility == Visibility::All) show_to_customer(chat, added);
  append_event(chat, ItemType::ParticipantJoined, added);
}

void Desk::join_supervisors(Chat& chat, std::string agent_id) {
  auto it = supervisions_.find(agent_id);
  if (it == supervisions_.end()) return;
  std::vector<std::string> finished;
  for (const auto& [supervisor, s] : it->second) {
    join_as_supervisor(chat, s);
    if (s.scope == MonitoringScope::NextChat) finished.push_back(supervisor);
  }
  for (const auto& supervisor : finished) {
    it->second.erase(supervisor);
    changes_.ended_supervisions.emplace_back(supervisor, agent_id);
  }
  if (it->second.empty()) supervisions_.erase(it);
}

Status Desk::supervise(const Supervision& supervision, bool include_current_chats) {
  if (!agents_.get(supervision.supervisor_id).logged_in())
    return make_error(ErrorKind::InvalidState, "Start your contact-center session first");
  Supervision s = supervision;
  s.since_ms = clock_.now_ms();
  supervisions_[s.agent_id][s.supervisor_id] = s;
  changes_.supervisions.push_back(s);
  if (include_current_chats) {
    // Joining current chats does not use up NextChat.
    auto held = active_.find(s.agent_id);
    if (held != active_.end()) {
      const auto ids = held->second;
      for (const auto& id : ids) {
        Chat& chat = *chats_.at(id);
        const Participant* agent = chat.participant_of_user(s.agent_id);
        if (agent && agent->present() && !chat.ended()) join_as_supervisor(chat, s);
      }
    }
  }
  return Ok{};
}

Status Desk::cancel_supervision(const std::string& supervisor_id, const std::string& agent_id) {
  auto it = supervisions_.find(agent_id);
  if (it == supervisions_.end() || !it->second.erase(supervisor_id))
    return make_error(ErrorKind::InvalidState, "Not supervising this agent");
  if (it->second.empty()) supervisions_.erase(it);
  changes_.ended_supervisions.emplace_back(supervisor_id, agent_id);
  return Ok{};
}

void Desk::end_supervisions_of(const std::string& supervisor_id) {
  for (auto it = supervisions_.begin(); it != supervisions_.end();) {
    if (it->second.erase(supervisor_id)) changes_.ended_supervisions.emplace_back(supervisor_id, it->first);
    it = it->second.empty() ? supervisions_.erase(it) : std::next(it);
  }
}

std::vector<Supervision> Desk::supervisions_of_agent(const std::string& agent_id) const {
  std::vector<Supervision> out;
  auto it = supervisions_.find(agent_id);
  if (it != supervisions_.end())
    for (const auto& [supervisor, s] : it->second) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.since_ms < b.since_ms; });
  return out;
}

void Desk::restore(const Supervision& supervision) {
  supervisions_[supervision.agent_id][supervision.supervisor_id] = supervision;
}

Status Desk::switch_mode(Chat& chat, Participant& me, SupervisionMode mode) {
  if (me.role != ParticipantRole::Supervisor || !me.present() || me.mode == mode)
    return make_error(ErrorKind::InvalidState, "Not possible in the current mode");
  const Visibility before = me.visibility;
  const Visibility after = visibility_of(mode);
  ++counters_.supervisor_switches;
  me.mode = mode;
  me.visibility = after;
  touch_roster(chat);
  if (after == Visibility::All) show_to_customer(chat, me);
  // One event, rendered per viewer by what changed for them: seen before and after →
  // rejoined, only after → joined, only before → left; never seen → not in their audience.
  LogItem item;
  item.type = ItemType::ParticipantRejoined;
  item.from = me.id;
  item.from_nickname = me.nickname;
  item.from_role = me.role;
  item.from_visibility = after;
  item.from_user_id = me.user_id;
  item.visibility = Visibility::All;
  AudienceSet audience = 0;
  const AudienceSet seen_before = audience_for(before), seen_after = audience_for(after);
  for (std::size_t a = 0; a < kAudienceCount; ++a) {
    const bool was = seen_before & (1u << a), is = seen_after & (1u << a);
    item.shown_as[a] = was && is ? ItemType::ParticipantRejoined
                       : is      ? ItemType::ParticipantJoined
                                 : ItemType::ParticipantLeft;
    if (was || is) audience |= AudienceSet(1u << a);
  }
  append(chat, std::move(item), audience);
  return Ok{};
}

}  // namespace parley::chat
