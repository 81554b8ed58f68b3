#include "chat/visibility.hpp"

namespace parley::chat {

Audience audience_of(const Participant& viewer) {
  switch (viewer.role) {
    case ParticipantRole::Customer: return Audience::Customer;
    case ParticipantRole::Agent: return Audience::Agent;
    case ParticipantRole::Supervisor: return Audience::Supervisor;
  }
  return Audience::Customer;
}

AudienceSet audience_for(Visibility v) {
  switch (v) {
    case Visibility::All: return kEveryone;
    case Visibility::Agents: return bit(Audience::Agent) | bit(Audience::Supervisor);
    case Visibility::Supervisors: return bit(Audience::Supervisor);
  }
  return bit(Audience::Supervisor);
}

Visibility narrower(Visibility a, Visibility b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

bool may_see_item(Audience viewer, const LogItem& item) { return (item.audience & bit(viewer)) != 0; }

bool may_see_participant(Audience viewer, const Participant& p) {
  return (audience_for(p.visibility) & bit(viewer)) != 0;
}

std::vector<const LogItem*> visible_items(const Chat& chat, Audience viewer, std::int64_t from_index) {
  std::vector<const LogItem*> out;
  const auto a = static_cast<std::size_t>(viewer);
  for (const auto& item : chat.log)
    if (may_see_item(viewer, item) && item.index[a] >= from_index) out.push_back(&item);
  return out;
}

std::vector<const Participant*> visible_participants(const Chat& chat, Audience viewer) {
  std::vector<const Participant*> out;
  const Participant* customer = nullptr;
  for (const auto& p : chat.participants) {
    if (p.state != ParticipantState::Chatting || !may_see_participant(viewer, p)) continue;
    if (p.role == ParticipantRole::Customer) customer = &p;
    else out.push_back(&p);
  }
  if (customer) out.push_back(customer);
  return out;
}

}  // namespace parley::chat
