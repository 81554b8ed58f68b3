#pragma once
// The chat domain's data: chats, participants, the message log. Plain structs; the rules
// live in visibility.*, capabilities.* and desk.*.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"

namespace parley::chat {

enum class Visibility { All, Agents, Supervisors };
std::string_view visibility_name(Visibility v);

// Every viewer belongs to one audience, decided by who they are (supervision.md).
enum class Audience : std::uint8_t { Customer = 0, Agent = 1, Supervisor = 2 };
inline constexpr std::size_t kAudienceCount = 3;
using AudienceSet = std::uint8_t;
constexpr AudienceSet bit(Audience a) { return AudienceSet(1u << static_cast<unsigned>(a)); }
inline constexpr AudienceSet kEveryone = 0b111;

enum class ParticipantRole { Customer, Agent, Supervisor };
enum class ParticipantState { Invited, Chatting, LeftChat, Completed, Revoked };
std::string_view state_name(ParticipantState s);
enum class SupervisionMode { Monitor, Coach, BargeIn };
std::string_view mode_name(SupervisionMode m);
Visibility visibility_of(SupervisionMode m);

// Why an agent is offered a chat.
enum class OfferKind { Routing, Transfer, Invite, Consult };
const char* offer_kind_label(OfferKind k);  // "routing", "transfer", ... (metrics labels)

struct Participant {
  std::string id;  // 16 letters and digits
  ParticipantRole role = ParticipantRole::Agent;
  std::string user_id;  // agents and supervisors
  std::string nickname;
  Visibility visibility = Visibility::All;
  ParticipantState state = ParticipantState::Chatting;
  SupervisionMode mode = SupervisionMode::Monitor;  // supervisors only
  int customer_number = 0;  // as the customer numbers participants; 0 until the customer saw them
  // While Invited:
  OfferKind offer = OfferKind::Routing;
  TimeMs offer_expires_ms = 0;
  std::string offered_by;        // participant id of the agent who transferred/invited/consulted
  std::int64_t reference_id = 0; // of the request that caused the offer
  bool present() const { return state == ParticipantState::Chatting; }
  bool is_agent() const { return role == ParticipantRole::Agent; }
};

enum class ItemType {
  Text, CustomNotice, NicknameUpdated, PushUrl, Notice,
  ParticipantJoined, ParticipantLeft, ParticipantRejoined,
  TypingStarted, TypingStopped, FileUploaded, FileDeleted, IdleAlert, IdleClose,
};
std::string_view item_type_name(ItemType t);  // GWS spelling

// A value of user data: GWS accepts strings and numbers.
struct DataValue {
  std::string text;
  bool is_number = false;
  bool operator==(const DataValue&) const = default;
};
using UserData = std::map<std::string, DataValue>;

struct LogItem {
  std::int64_t seq = 0;  // position in the whole log, from 1
  ItemType type = ItemType::Text;
  // The sender as they were when the item was appended.
  std::string from;  // participant id; empty for the system
  std::string from_nickname;
  ParticipantRole from_role = ParticipantRole::Customer;
  Visibility from_visibility = Visibility::All;
  std::string from_user_id;
  Visibility visibility = Visibility::All;  // the wire field
  AudienceSet audience = kEveryone;         // who may receive it: decided once, here
  std::array<std::int64_t, kAudienceCount> index{};  // dense position per audience (0: not in it)
  std::array<ItemType, kAudienceCount> shown_as{};   // how each audience sees it (switch events)
  std::string text;          // Text, Notice, typing preview
  std::string message_type;  // Text: the sender's messageType
  std::string notice_text;   // CustomNotice, NicknameUpdated
  std::string url;           // PushUrl
  UserData data;             // FileUploaded/FileDeleted
  std::string quit_reason;   // ParticipantLeft caused by a removal: "4", "5", "7"
  TimeMs at_ms = 0;
};

enum class ChatPhase { Queued, Offered, Active, Ended };

enum class MonitoringScope { AllChats, NextChat };

// A supervisor watching an agent (supervision.md).
struct Supervision {
  std::string supervisor_id;
  std::string agent_id;
  SupervisionMode mode = SupervisionMode::Monitor;
  MonitoringScope scope = MonitoringScope::AllChats;
  std::string nickname;
  TimeMs since_ms = 0;
};

struct CustomerSide {
  std::string participant_id;
  std::string user_id;     // the customer API's userId
  std::string secure_key;  // the customer API's credential
  std::string alias;
  std::string email;
  std::int64_t position = 0;  // highest customer index answered
  bool left = false;
  TimeMs last_active_ms = 0;
  bool idle_alerted = false;
};

struct StoredFile {
  std::string id, name, type;
  std::int64_t size = 0;
  bool deleted = false;
};

struct Chat {
  std::string id;
  std::string service;
  std::string queue;  // where it waits when Queued
  std::string subject;
  TimeMs received_ms = 0;
  TimeMs queued_ms = 0;
  ChatPhase phase = ChatPhase::Queued;
  std::vector<Participant> participants;  // in the order they joined
  std::vector<LogItem> log;
  std::array<std::int64_t, kAudienceCount> counts{};
  UserData user_data;
  CustomerSide customer;
  std::set<std::string> rejected_by;  // user ids that rejected or missed an offer of this chat
  std::vector<StoredFile> files;
  std::size_t stored_items = 0;  // log items already handed to the store

  Participant* participant(const std::string& id);
  const Participant* participant(const std::string& id) const;
  // The participant of a user (agents and supervisors), preferring one still in the chat.
  Participant* participant_of_user(const std::string& user_id);
  const Participant* participant_of_user(const std::string& user_id) const;
  bool ended() const { return phase == ChatPhase::Ended; }
};

}  // namespace parley::chat
