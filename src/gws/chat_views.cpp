#include "gws/chat_views.hpp"

#include <ctime>

#include "chat/capabilities.hpp"
#include "chat/visibility.hpp"

namespace parley::gws {

using namespace parley::chat;

std::string format_timestamp(TimeMs ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

json::object participant_json(const Participant& p, const std::string& base_url) {
  json::object o{{"nickname", p.nickname},
                 {"type", p.role == ParticipantRole::Customer ? "Customer" : "Agent"},
                 {"participantId", p.id},
                 {"visibility", visibility_name(p.visibility)}};
  if (!p.user_id.empty()) {
    const std::string path = "/users/" + p.user_id;
    o["uri"] = base_url + "/api/v2" + path;
    o["path"] = path;
  }
  return o;
}

json::object user_data_json(const UserData& data) {
  json::object o;
  for (const auto& [k, v] : data) {
    if (v.is_number) {
      boost::system::error_code ec;
      auto n = json::parse(v.text, ec);
      if (!ec && n.is_number()) {
        o[k] = n;
        continue;
      }
    }
    o[k] = v.text;
  }
  return o;
}

json::object chat_json(const Chat& chat, const Participant& viewer, const std::string& base_url) {
  const std::string path = "/chats/" + chat.id;
  json::array caps;
  for (auto c : capabilities(chat, viewer)) caps.emplace_back(c);
  json::array participants;
  const bool finished = viewer.state == ParticipantState::Completed || viewer.state == ParticipantState::Revoked;
  if (!finished)
    for (const Participant* p : visible_participants(chat, audience_of(viewer)))
      participants.push_back(participant_json(*p, base_url));
  json::object o{{"id", chat.id},
                 {"uri", base_url + "/api/v2" + path},
                 {"path", path},
                 {"state", state_name(viewer.state)},
                 {"chatType", "Inbound"},
                 {"receivedDate", format_timestamp(chat.received_ms)},
                 {"subject", chat.subject},
                 {"capabilities", std::move(caps)},
                 {"participants", std::move(participants)},
                 {"userData", user_data_json(chat.user_data)}};
  if (viewer.state == ParticipantState::Invited) o["offerExpiresAt"] = format_timestamp(viewer.offer_expires_ms);
  return o;
}

json::object message_json(const Chat& chat, const LogItem& item, Audience viewer, const std::string& base_url) {
  const auto a = static_cast<std::size_t>(viewer);
  const ItemType shown = item.shown_as[a];
  json::object o{{"index", item.index[a]}, {"type", item_type_name(shown)}, {"visibility", visibility_name(item.visibility)}};
  if (!item.from.empty()) {
    // The sender as they were when the item was appended (a switch event: the new visibility).
    Participant from;
    from.id = item.from;
    from.nickname = item.from_nickname;
    from.role = item.from_role;
    from.user_id = item.from_user_id;
    from.visibility = item.from_visibility;
    o["from"] = participant_json(from, base_url);
  }
  switch (shown) {
    case ItemType::Text:
      o["text"] = item.text;
      if (!item.message_type.empty()) o["messageType"] = item.message_type;
      break;
    case ItemType::CustomNotice:
    case ItemType::NicknameUpdated: o["noticeText"] = item.notice_text; break;
    case ItemType::PushUrl: o["url"] = item.url; break;
    case ItemType::Notice:
    case ItemType::IdleAlert:
    case ItemType::IdleClose: o["text"] = item.text; break;
    case ItemType::TypingStarted:
    case ItemType::TypingStopped:
      if (!item.text.empty() && item.from_role == ParticipantRole::Customer) o["text"] = item.text;
      break;
    case ItemType::FileUploaded:
    case ItemType::FileDeleted: o["userData"] = user_data_json(item.data); break;
    default: break;
  }
  o["timestamp"] = format_timestamp(item.at_ms);
  o["timestampSeconds"] = item.at_ms;
  return o;
}

json::array messages_json(const Chat& chat, Audience viewer, std::int64_t from_index, const std::string& base_url) {
  json::array out;
  for (const LogItem* item : visible_items(chat, viewer, from_index))
    out.push_back(message_json(chat, *item, viewer, base_url));
  return out;
}

}  // namespace parley::gws
