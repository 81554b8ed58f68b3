#include "gws/chat_notifier.hpp"

#include "chat/capabilities.hpp"
#include "chat/visibility.hpp"
#include "gws/chat_views.hpp"

namespace parley::gws {

using namespace parley::chat;

namespace {
constexpr const char* kChannel = "/v2/me/chats";

bool notified(const Participant& p) { return p.role != ParticipantRole::Customer && !p.user_id.empty(); }

bayeux::Bytes state_message(const Chat& chat, const Participant& viewer, const char* type, std::int64_t reference_id,
                            const std::string& base_url) {
  json::object data{{"messageType", "ChatStateChangeMessage"},
                    {"notificationType", type},
                    {"chat", chat_json(chat, viewer, base_url)}};
  if (reference_id) data["referenceId"] = reference_id;
  return bayeux::make_message(kChannel, json::serialize(data));
}
}  // namespace

ChatNotifier::Memo ChatNotifier::snapshot(const Chat& chat, const Participant& p) const {
  Memo m;
  m.state = p.state;
  for (auto c : capabilities(chat, p)) (m.capabilities += c) += ',';
  for (const Participant* v : visible_participants(chat, audience_of(p)))
    m.participants += v->id + ':' + std::string(visibility_name(v->visibility)) + ':' + v->nickname + ';';
  m.user_data = json::serialize(user_data_json(chat.user_data));
  m.seen = p.state == ParticipantState::Chatting ? chat.counts[static_cast<std::size_t>(audience_of(p))] : 0;
  return m;
}

void ChatNotifier::prime(const Chat& chat) {
  auto& memos = memos_[chat.id];
  memos.clear();
  for (const auto& p : chat.participants)
    if (notified(p)) memos[p.id] = snapshot(chat, p);
}

void ChatNotifier::render(const Chat& chat, std::int64_t reference_id, PendingNotices& out) {
  auto& memos = memos_[chat.id];
  // One serialization per distinct message list: same audience, same starting point.
  std::map<std::pair<int, std::int64_t>, bayeux::Bytes> message_cache;
  for (const auto& p : chat.participants) {
    if (!notified(p)) continue;
    auto it = memos.find(p.id);
    const bool known = it != memos.end();
    const Memo before = known ? it->second : Memo{ParticipantState::Invited, "", "", "", 0};
    const Memo now = snapshot(chat, p);
    if (known && before.state == ParticipantState::Completed && now.state == ParticipantState::Completed) continue;
    if (known && before.state == ParticipantState::Revoked && now.state == ParticipantState::Revoked) continue;

    if (!known || before.state != now.state) {
      if (known && before.state == ParticipantState::Chatting && now.state == ParticipantState::Completed) {
        // Leaving shows LeftChat, then Completed (as the GWS sample does).
        Participant leaving = p;
        leaving.state = ParticipantState::LeftChat;
        out.push_back({p.user_id, kChannel, state_message(chat, leaving, "StatusChange", reference_id, base_url_)});
      }
      out.push_back({p.user_id, kChannel, state_message(chat, p, "StatusChange", reference_id, base_url_)});
    }
    const bool live = now.state == ParticipantState::Chatting;
    // Someone who joins straight into the chat (a supervisor) gets what an agent gets on Accept.
    if (live && (!known || before.participants != now.participants || before.capabilities != now.capabilities))
      out.push_back({p.user_id, kChannel, state_message(chat, p, "ParticipantsUpdated", reference_id, base_url_)});
    if (known && live && before.state == ParticipantState::Chatting && before.user_data != now.user_data)
      out.push_back({p.user_id, kChannel, state_message(chat, p, "PropertiesUpdated", reference_id, base_url_)});
    if (live && now.seen > before.seen) {
      const Audience a = audience_of(p);
      auto& bytes = message_cache[{static_cast<int>(a), before.seen + 1}];
      if (!bytes) {
        const std::string path = "/chats/" + chat.id;
        json::object data{{"messageType", "MessageLogUpdated"},
                          {"notificationType", "NewMessages"},
                          {"messages", messages_json(chat, a, before.seen + 1, base_url_)},
                          {"chatUri", base_url_ + "/api/v2" + path},
                          {"chatPath", path}};
        if (reference_id) data["referenceId"] = reference_id;
        bytes = bayeux::make_message(kChannel, json::serialize(data));
      }
      out.push_back({p.user_id, kChannel, bytes});
    }
    memos[p.id] = now;
  }
  if (chat.ended()) {
    bool all_done = true;
    for (const auto& p : chat.participants)
      if (notified(p) && (p.state == ParticipantState::Chatting || p.state == ParticipantState::Invited)) all_done = false;
    if (all_done) memos_.erase(chat.id);
  }
}

void ChatNotifier::render_error(const Chat& chat, const AsyncError& error, PendingNotices& out) {
  const Participant* p = chat.participant_of_user(error.user_id);
  if (!p) return;
  json::object data{{"messageType", "ChatStateChangeMessage"},
                    {"notificationType", "Error"},
                    {"errorMessage", error.message},
                    {"chat", chat_json(chat, *p, base_url_)}};
  if (error.reference_id) data["referenceId"] = error.reference_id;
  out.push_back({error.user_id, kChannel, bayeux::make_message(kChannel, json::serialize(data))});
}

void ChatNotifier::publish(PendingNotices& notices) {
  for (auto& n : notices) endpoint_.deliver(n.user_id, n.channel, std::move(n.message));
  notices.clear();
}

}  // namespace parley::gws
