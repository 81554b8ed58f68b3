#pragma once
// The chat desk: every chat, the routing queues and offers, and every operation on them
// (chat.md, customer.md). Pure logic on the domain strand: operations in, changes out.
// Callers check operation names and parameter shapes; the desk checks who may do what.
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/agent_state.hpp"
#include "chat/desk_stats.hpp"
#include "chat/model.hpp"
#include "common/error.hpp"

namespace parley::chat {

struct UserInfo {
  std::string user_name;
  int capacity = 3;
  bool agent = true;
};

class UserLookup {
 public:
  virtual ~UserLookup() = default;
  virtual std::optional<UserInfo> user(const std::string& user_id) const = 0;
};

struct DeskOptions {
  TimeMs offer_timeout_ms = 30'000;
  TimeMs wait_limit_ms = 10 * 60'000;
  TimeMs idle_limit_ms = 10 * 60'000;
  TimeMs idle_close_ms = 60'000;
};

// A failure that reaches an agent later (a transfer target that rejects or does not answer).
struct AsyncError {
  std::string user_id;
  std::string chat_id;
  std::int64_t reference_id = 0;
  std::string message;
};

// What operations changed since the last take_changes(): chats to store and notify about,
// agent states routing changed, and asynchronous errors to report.
struct StagedFile {
  std::string chat_id, file_id, content;
};

struct DeskChanges {
  std::vector<StagedFile> files;  // uploaded file contents, stored with the operation
  std::vector<Supervision> supervisions;                            // started or changed
  std::vector<std::pair<std::string, std::string>> ended_supervisions;  // (supervisor, agent)
  std::vector<std::string> chats;
  std::vector<std::string> roster_changed;  // chats whose participants joined, left or changed mode
  std::vector<AgentStateChange> agents;
  std::vector<AsyncError> errors;
  bool empty() const {
    return chats.empty() && agents.empty() && errors.empty() && files.empty() && supervisions.empty() &&
           ended_supervisions.empty();
  }
};

struct NewChat {
  std::string service;
  std::string nickname;
  std::string subject;
  std::string email;
  std::string first_message;
  UserData user_data;
};

// The optional last words of Leave, Complete and Transfer.
struct LastWords {
  std::string text;
  std::string message_type;
};

class Desk {
 public:
  Desk(const Clock& clock, AgentStates& agents, const UserLookup& users, DeskOptions options);

  void add_service(const std::string& name) { services_.insert(name); }
  bool has_service(const std::string& name) const { return services_.count(name) > 0; }

  // --- customers (customer.md) ---
  Expected<std::string> request_chat(const NewChat& request);
  // The chat when userId and secureKey match it; NotFound otherwise (one answer for both).
  Expected<Chat*> customer_chat(const std::string& chat_id, const std::string& user_id, const std::string& secure_key);
  Status customer_send(Chat& chat, const std::string& text, const std::string& message_type);
  Status customer_typing(Chat& chat, bool started, const std::string& preview);
  Status customer_nickname(Chat& chat, const std::string& nickname);
  Status customer_update_data(Chat& chat, const UserData& data);
  Status customer_notice(Chat& chat, const std::string& text);
  Status customer_push_url(Chat& chat, const std::string& url);
  Status customer_disconnect(Chat& chat);
  Status customer_file(Chat& chat, const StoredFile& file, bool deleted);
  // Customer-only items (file limits, queue position): counted in the customer's index only.
  void customer_notice_only(Chat& chat, ItemType type, const std::string& text, const UserData& data = {});

  // --- agents and supervisors (chat.md) ---
  // The chat and the caller's participant; NotFound when the caller is not in it.
  Expected<std::pair<Chat*, Participant*>> find_for(const std::string& user_id, const std::string& chat_id);
  // NotFound, or InvalidState when `operation` is not in the caller's capabilities.
  Expected<std::pair<Chat*, Participant*>> authorize(const std::string& user_id, const std::string& chat_id,
                                                     const std::string& operation);
  Status accept(Chat& chat, Participant& me, const std::string& nickname);
  Status reject(Chat& chat, Participant& me);
  // Text (SendMessage / SendToAgents), CustomNotice, PushUrl, typing: `wanted` is the
  // operation's visibility, narrowed to the sender's own.
  Status send(Chat& chat, Participant& me, ItemType type, Visibility wanted, const std::string& text,
              const std::string& message_type = {});
  Status nickname_notice(Chat& chat, Participant& me, const std::string& nickname);
  Status leave(Chat& chat, Participant& me, const LastWords& words);
  Status complete(Chat& chat, Participant& me, const LastWords& words);
  Status transfer_to_user(Chat& chat, Participant& me, const std::string& target_user, std::int64_t reference_id,
                          const LastWords& words);
  Status transfer_to_queue(Chat& chat, Participant& me, const std::string& queue, const LastWords& words);
  Status invite(Chat& chat, Participant& me, const std::string& target_user, std::int64_t reference_id, OfferKind kind);
  Status set_user_data(Chat& chat, const UserData& data);
  Status delete_user_data(Chat& chat, const std::vector<std::string>& keys);

  // --- supervision (supervision.md) ---
  // Starts (or replaces) supervising `agent`; joins current chats at once if asked.
  Status supervise(const Supervision& supervision, bool include_current_chats);
  Status cancel_supervision(const std::string& supervisor_id, const std::string& agent_id);
  // Every supervision of the supervisor ends (their contact-center session ended).
  void end_supervisions_of(const std::string& supervisor_id);
  std::vector<Supervision> supervisions_of_agent(const std::string& agent_id) const;
  Status switch_mode(Chat& chat, Participant& me, SupervisionMode mode);
  void restore(const Supervision& supervision);
  // Supervisions created or changed since the last take_changes (for the store); removed ones
  // have `agent_id` set and mode ignored, listed in `removed_supervisions`.

  // --- routing ---
  // After an agent's state changed: offers to a NotReady agent are withdrawn, a Ready one may get one.
  void agent_availability_changed(const std::string& user_id);
  // Timers: offer timeouts, wait limit, idle customers. Call regularly.
  void tick();
  std::size_t queue_position(const Chat& chat) const;  // 1-based; 0 when not queued

  DeskChanges take_changes();
  // Something outside the desk's operations changed the chat (the customer's read position).
  void mark_changed(Chat& chat) { touch(chat); }
  void stage_file(Chat& chat, const std::string& file_id, std::string content) {
    changes_.files.push_back({chat.id, file_id, std::move(content)});
  }

  // --- reads ---
  const Chat* find(const std::string& chat_id) const;
  // The chat whose customer holds `secure_key` (and is `chat_id`, when given).
  const Chat* find_by_secure_key(const std::string& chat_id, const std::string& secure_key) const;
  Chat* find(const std::string& chat_id);
  // The user's chats, most recent first. `finished`: only those the user is done with.
  std::vector<const Chat*> chats_of(const std::string& user_id, bool live, bool finished) const;
  std::size_t chat_count() const { return chats_.size(); }
  // The live chats an agent holds or is offered, from the index (no scan of all chats).
  std::vector<const Chat*> active_chats_of(const std::string& user_id) const;
  std::size_t live_chat_count() const;

  // --- for operators ---
  const DeskCounters& counters() const { return counters_; }
  DeskGauges gauges() const;

  // Recovery: put a stored chat back (queues and offers are rebuilt from it), replacing
  // whatever version of it is in memory.
  void restore(Chat chat);
  void drop(const std::string& chat_id);

 private:
  Chat& create(const std::string& service);
  LogItem& append(Chat& chat, LogItem item, AudienceSet audience);
  LogItem& append_event(Chat& chat, ItemType type, const Participant& about, const std::string& text = {});
  void set_state(Chat& chat, Participant& p, ParticipantState state);
  void touch(Chat& chat);
  void touch_roster(Chat& chat);
  Participant& add_participant(Chat& chat, Participant p);
  void show_to_customer(Chat& chat, Participant& p);
  void remove_agent(Chat& chat, Participant& p, const std::string& quit_reason);
  void end_chat(Chat& chat);
  // An agent-to-agent offer (transfer, invite, consult) from `me` to `target_user`.
  void offer_to(Chat& chat, const Participant& me, const std::string& target_user, const std::string& nickname,
                OfferKind kind, std::int64_t reference_id);
  void end_if_abandoned(Chat& chat);
  void revoke_supervisors(Chat& chat);
  void withdraw_offer(Chat& chat, Participant& p, bool missed);
  void last_words(Chat& chat, Participant& me, const LastWords& words);
  void enqueue(Chat& chat, const std::string& queue, bool front);
  void dequeue(Chat& chat);
  void dispatch();
  bool offer_next(Chat& chat);
  int load_of(const std::string& user_id) const;
  void announce_queue_positions(const std::string& queue);
  std::string display_name(const std::string& user_id) const;
  // (By value: joining adds participants, which may move the one `agent_id` came from.)
  void join_supervisors(Chat& chat, std::string agent_id);
  void join_as_supervisor(Chat& chat, const Supervision& s);

  const Clock& clock_;
  AgentStates& agents_;
  const UserLookup& users_;
  DeskOptions options_;
  std::set<std::string> services_;
  std::unordered_map<std::string, std::unique_ptr<Chat>> chats_;
  std::map<std::string, std::deque<std::string>> queues_;                 // queue -> chat ids, oldest first
  std::unordered_map<std::string, std::set<std::string>> active_;        // user -> chats they hold or are offered
  std::unordered_map<std::string, TimeMs> last_finished_;                // user -> when a chat last left them
  std::map<std::string, std::map<std::string, Supervision>> supervisions_;  // agent -> supervisor -> supervision
  static constexpr TimeMs kQueueAnnounceMs = 5'000;
  static constexpr std::size_t kPromptQueueNotices = 50;  // queues up to this long hear of every move
  std::set<std::string> queue_moved_;  // queues whose waiting customers moved up since the last notice
  TimeMs last_announce_ms_ = 0;
  DeskChanges changes_;
  DeskCounters counters_;
  std::set<std::string> changed_;
  std::set<std::string> roster_changed_;
};

}  // namespace parley::chat
