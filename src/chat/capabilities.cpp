#include "chat/capabilities.hpp"

#include <algorithm>

#include "chat/visibility.hpp"

namespace parley::chat {
namespace {

bool customer_present(const Chat& chat) {
  for (const auto& p : chat.participants)
    if (p.role == ParticipantRole::Customer) return p.present();
  return false;
}

// Another agent or supervisor this participant can see (consultant, guest, coach, barge-in).
bool other_agent_visible(const Chat& chat, const Participant& me) {
  const Audience a = audience_of(me);
  return std::any_of(chat.participants.begin(), chat.participants.end(), [&](const Participant& p) {
    return p.id != me.id && p.role != ParticipantRole::Customer && p.present() && may_see_participant(a, p) &&
           p.visibility != Visibility::Supervisors;
  });
}

void add(std::vector<std::string_view>& out, std::initializer_list<std::string_view> names) {
  out.insert(out.end(), names.begin(), names.end());
}

}  // namespace

std::vector<std::string_view> capabilities(const Chat& chat, const Participant& p) {
  std::vector<std::string_view> out;
  if (p.state == ParticipantState::Invited) {
    add(out, {"Accept", "Reject"});
    return out;
  }
  if (p.state != ParticipantState::Chatting || chat.ended()) return out;

  if (p.role == ParticipantRole::Supervisor) {
    add(out, {"Leave", "SetInFocus", "SetDisposition", "AttachUserData", "DeleteUserData", "UpdateUserData",
              "Transfer", "Invite", "Consult"});
    switch (p.mode) {
      case SupervisionMode::Monitor: add(out, {"SwitchToCoach", "SwitchBargeIn"}); break;
      case SupervisionMode::Coach:
        add(out, {"SendToAgents", "SendStartTypingToAgentsNotification", "SendStopTypingToAgentsNotification",
                  "SendMessage", "SendStartTypingNotification", "SendStopTypingNotification", "SwitchToMonitor",
                  "SwitchBargeIn"});
        break;
      case SupervisionMode::BargeIn:
        add(out, {"SendToAgents", "SendStartTypingToAgentsNotification", "SendStopTypingToAgentsNotification",
                  "SendMessage", "SendStartTypingNotification", "SendStopTypingNotification", "SwitchToMonitor",
                  "SwitchToCoach"});
        break;
    }
    return out;
  }

  const bool with_agents = other_agent_visible(chat, p);
  if (customer_present(chat)) {
    add(out, {"Transfer", "Leave", "Invite", "Consult", "SetInFocus", "SetDisposition", "AttachUserData",
              "DeleteUserData", "UpdateUserData", "Complete", "SendMessage", "SendStartTypingNotification",
              "SendStopTypingNotification", "SendUrl", "SendCustomNotice", "SendNicknameUpdatedNotice"});
    if (with_agents)
      add(out, {"SendToAgents", "SendStartTypingToAgentsNotification", "SendStopTypingToAgentsNotification",
                "SendCustomNoticeToAgents"});
  } else {
    add(out, {"Leave", "Complete", "SetDisposition", "AttachUserData", "DeleteUserData", "UpdateUserData"});
    if (with_agents)
      add(out, {"SendToAgents", "SendStartTypingToAgentsNotification", "SendStopTypingToAgentsNotification"});
  }
  return out;
}

std::string_view capability_for(std::string_view op) {
  if (op == "SwitchToBargeIn") return "SwitchBargeIn";
  if (op == "InFocus") return "SetInFocus";
  if (op == "SendStartTypingToAgentNotification") return "SendStartTypingToAgentsNotification";
  if (op == "SendStopTypingToAgentNotification") return "SendStopTypingToAgentsNotification";
  return op;
}

bool has_capability(const Chat& chat, const Participant& p, std::string_view operation) {
  const auto caps = capabilities(chat, p);
  return std::find(caps.begin(), caps.end(), capability_for(operation)) != caps.end();
}

}  // namespace parley::chat
