#include "chat/model.hpp"

namespace parley::chat {

std::string_view visibility_name(Visibility v) {
  switch (v) {
    case Visibility::All: return "All";
    case Visibility::Agents: return "Agents";
    case Visibility::Supervisors: return "Supervisors";
  }
  return "All";
}

std::string_view state_name(ParticipantState s) {
  switch (s) {
    case ParticipantState::Invited: return "Invited";
    case ParticipantState::Chatting: return "Chatting";
    case ParticipantState::LeftChat: return "LeftChat";
    case ParticipantState::Completed: return "Completed";
    case ParticipantState::Revoked: return "Revoked";
  }
  return "Completed";
}

const char* offer_kind_label(OfferKind k) {
  switch (k) {
    case OfferKind::Routing: return "routing";
    case OfferKind::Transfer: return "transfer";
    case OfferKind::Invite: return "invite";
    case OfferKind::Consult: return "consult";
  }
  return "routing";
}

std::string_view mode_name(SupervisionMode m) {
  switch (m) {
    case SupervisionMode::Monitor: return "Monitor";
    case SupervisionMode::Coach: return "Coach";
    case SupervisionMode::BargeIn: return "BargeIn";
  }
  return "Monitor";
}

Visibility visibility_of(SupervisionMode m) {
  switch (m) {
    case SupervisionMode::Monitor: return Visibility::Supervisors;
    case SupervisionMode::Coach: return Visibility::Agents;
    case SupervisionMode::BargeIn: return Visibility::All;
  }
  return Visibility::Supervisors;
}

std::string_view item_type_name(ItemType t) {
  switch (t) {
    case ItemType::Text: return "Text";
    case ItemType::CustomNotice: return "CustomNotice";
    case ItemType::NicknameUpdated: return "NicknameUpdated";
    case ItemType::PushUrl: return "PushUrl";
    case ItemType::Notice: return "Notice";
    case ItemType::ParticipantJoined: return "ParticipantJoined";
    case ItemType::ParticipantLeft: return "ParticipantLeft";
    case ItemType::ParticipantRejoined: return "ParticipantRejoined";
    case ItemType::TypingStarted: return "TypingStarted";
    case ItemType::TypingStopped: return "TypingStopped";
    case ItemType::FileUploaded: return "FileUploaded";
    case ItemType::FileDeleted: return "FileDeleted";
    case ItemType::IdleAlert: return "IdleAlert";
    case ItemType::IdleClose: return "IdleClose";
  }
  return "Notice";
}

Participant* Chat::participant(const std::string& pid) {
  for (auto& p : participants)
    if (p.id == pid) return &p;
  return nullptr;
}

const Participant* Chat::participant(const std::string& pid) const {
  return const_cast<Chat*>(this)->participant(pid);
}

Participant* Chat::participant_of_user(const std::string& user_id) {
  Participant* found = nullptr;
  for (auto& p : participants) {
    if (p.user_id != user_id || p.role == ParticipantRole::Customer) continue;
    if (p.state == ParticipantState::Chatting || p.state == ParticipantState::Invited) return &p;
    found = &p;  // the latest finished one
  }
  return found;
}

const Participant* Chat::participant_of_user(const std::string& user_id) const {
  return const_cast<Chat*>(this)->participant_of_user(user_id);
}

}  // namespace parley::chat
