#pragma once
// Chat notifications on /v2/me/chats (notifications.md, "Who gets what"). After each
// operation the notifier compares what every participant sees now with what they were last
// told, and renders exactly the difference, in the spec's order: StatusChange,
// ParticipantsUpdated, PropertiesUpdated, NewMessages. Rendering happens before the commit;
// publishing after it.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bayeux/endpoint.hpp"
#include "chat/desk.hpp"

namespace parley::gws {

struct PendingNotice {
  std::string user_id;
  std::string channel;
  bayeux::Bytes message;
};
using PendingNotices = std::vector<PendingNotice>;

class ChatNotifier {
 public:
  ChatNotifier(bayeux::Endpoint& endpoint, std::string base_url) : endpoint_(endpoint), base_url_(std::move(base_url)) {}

  void render(const chat::Chat& chat, std::int64_t reference_id, PendingNotices& out);
  void render_error(const chat::Chat& chat, const chat::AsyncError& error, PendingNotices& out);
  void publish(PendingNotices& notices);
  // Recovery / rollback: what participants see now counts as told.
  void prime(const chat::Chat& chat);
  const std::string& base_url() const { return base_url_; }

 private:
  struct Memo {
    chat::ParticipantState state;
    std::string capabilities;
    std::string participants;
    std::string user_data;
    std::int64_t seen = 0;  // highest index delivered in the participant's audience
  };
  Memo snapshot(const chat::Chat& chat, const chat::Participant& p) const;

  bayeux::Endpoint& endpoint_;
  std::string base_url_;
  std::unordered_map<std::string, std::unordered_map<std::string, Memo>> memos_;  // chat -> participant -> memo
};

}  // namespace parley::gws
