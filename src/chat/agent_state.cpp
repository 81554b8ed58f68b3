#include "chat/agent_state.hpp"

#include <algorithm>

namespace parley::chat {

bool StartSessionOutcome::any_ok() const {
  return std::any_of(channels.begin(), channels.end(), [](const ChannelResult& r) { return r.ok; });
}
bool StartSessionOutcome::all_ok() const {
  return std::all_of(channels.begin(), channels.end(), [](const ChannelResult& r) { return r.ok; });
}

Expected<StartSessionOutcome> AgentStates::start_session(const std::string& user_id,
                                                         const std::vector<std::string>& channels) {
  StartSessionOutcome outcome;
  for (const auto& name : channels) outcome.channels.push_back({name, name == kChatChannel});
  if (!outcome.any_ok()) return make_error(ErrorKind::InvalidState, "Unknown channel");
  auto& state = states_[user_id];
  if (!state.logged_in()) {
    // A new contact-center session starts NotReady, as in GWS.
    state = AgentState{ChannelState::NotReady, "", clock_.now_ms()};
    outcome.change = AgentStateChange{user_id, state};
  }
  return outcome;
}

Expected<AgentStateChange> AgentStates::end_session(const std::string& user_id) {
  auto it = states_.find(user_id);
  if (it == states_.end() || !it->second.logged_in())
    return make_error(ErrorKind::InvalidState, "No contact-center session");
  it->second = AgentState{ChannelState::LoggedOut, "", clock_.now_ms()};
  return AgentStateChange{user_id, it->second};
}

Expected<AgentStateChange> AgentStates::set_ready(const std::string& user_id) {
  return set(user_id, ChannelState::Ready, "");
}

Expected<AgentStateChange> AgentStates::set_not_ready(const std::string& user_id, const std::string& reason) {
  return set(user_id, ChannelState::NotReady, reason);
}

Expected<AgentStateChange> AgentStates::set(const std::string& user_id, ChannelState next,
                                            const std::string& reason) {
  auto it = states_.find(user_id);
  if (it == states_.end() || !it->second.logged_in())
    return make_error(ErrorKind::InvalidState, "Start a contact-center session first");
  auto& state = it->second;
  // Re-asserting the same state keeps `since`, so an agent does not lose their place in
  // the longest-idle order by pressing Ready twice.
  if (state.chat != next) state.since_ms = clock_.now_ms();
  state.chat = next;
  state.reason = reason;
  return AgentStateChange{user_id, state};
}

const AgentState& AgentStates::get(const std::string& user_id) const {
  static const AgentState logged_out{};
  auto it = states_.find(user_id);
  return it == states_.end() ? logged_out : it->second;
}

std::vector<std::string> AgentStates::logged_in_users() const {
  std::vector<std::string> out;
  for (const auto& [id, s] : states_)
    if (s.logged_in()) out.push_back(id);
  return out;
}

void AgentStates::restore(const std::string& user_id, const AgentState& state) { states_[user_id] = state; }

}  // namespace parley::chat
