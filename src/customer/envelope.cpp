#include "customer/envelope.hpp"

#include "chat/visibility.hpp"

namespace parley::customer {

using namespace parley::chat;

namespace {

std::string_view customer_type_name(ItemType t) { return t == ItemType::Text ? "Message" : item_type_name(t); }

json::object from_json(const Chat& chat, const LogItem& item) {
  if (item.from.empty()) return json::object{{"nickname", "system"}, {"participantId", 0}, {"type", "External"}};
  const Participant* p = chat.participant(item.from);
  return json::object{{"nickname", item.from_nickname},
                      {"participantId", p ? p->customer_number : 0},
                      {"type", item.from_role == ParticipantRole::Customer ? "Client" : "Agent"}};
}

json::object data_json(const UserData& data) {
  json::object o;
  for (const auto& [k, v] : data) o[k] = v.text;
  return o;
}

}  // namespace

bool chat_ended_for_customer(const Chat& chat) { return chat.ended() || chat.customer.left; }

json::array customer_messages(const Chat& chat, std::int64_t from) {
  json::array out;
  for (const LogItem* item : visible_items(chat, Audience::Customer, from)) {
    const ItemType shown = item->shown_as[static_cast<std::size_t>(Audience::Customer)];
    json::object m{{"from", from_json(chat, *item)},
                   {"index", item->index[static_cast<std::size_t>(Audience::Customer)]},
                   {"type", customer_type_name(shown)},
                   {"utcTime", item->at_ms}};
    switch (shown) {
      case ItemType::Text: m["text"] = item->text; break;
      case ItemType::CustomNotice:
      case ItemType::NicknameUpdated: m["text"] = item->notice_text; break;
      case ItemType::PushUrl: m["text"] = item->url; break;
      case ItemType::TypingStarted:
      case ItemType::TypingStopped:
        // Typing previews go to agents only; an agent's typing never carries text here.
        m["text"] = "";
        break;
      case ItemType::ParticipantJoined:
      case ItemType::ParticipantLeft:
      case ItemType::ParticipantRejoined: m["text"] = item->from_nickname; break;
      default: m["text"] = item->text;
    }
    if (!item->message_type.empty()) m["messageType"] = item->message_type;
    if (!item->data.empty()) m["userData"] = data_json(item->data);
    if (!item->quit_reason.empty())
      m["eventAttributes"] = json::object{{"GCTI_SYSTEM", json::object{{"quit-reason-code", item->quit_reason}}}};
    out.push_back(std::move(m));
  }
  return out;
}

json::object envelope(Chat& chat, std::int64_t from) {
  json::array messages = customer_messages(chat, from);
  const std::int64_t last = chat.counts[static_cast<std::size_t>(Audience::Customer)];
  if (last > chat.customer.position) chat.customer.position = last;
  return json::object{{"statusCode", 0},
                      {"chatId", chat.id},
                      {"userId", chat.customer.user_id},
                      {"secureKey", chat.customer.secure_key},
                      {"alias", chat.customer.alias},
                      {"chatEnded", chat_ended_for_customer(chat)},
                      {"nextPosition", std::max(last, from - 1) + 1},
                      {"messages", std::move(messages)}};
}

}  // namespace parley::customer
