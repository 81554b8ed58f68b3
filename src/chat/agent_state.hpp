#pragma once
// Agent state on the chat channel: the contact-center session and Ready/NotReady.
// Pure logic, owned by the domain strand; every change is returned as a record to store
// and to push (ChannelStateChangeMessageV2).
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace parley::chat {

enum class ChannelState { LoggedOut, NotReady, Ready };

struct AgentState {
  ChannelState chat = ChannelState::LoggedOut;
  std::string reason;      // NotReady reason, empty when none
  TimeMs since_ms = 0;     // when `chat` last changed: longest-idle routing starts here
  bool logged_in() const { return chat != ChannelState::LoggedOut; }
};

struct AgentStateChange {
  std::string user_id;
  AgentState state;
};

// Per-channel result of StartContactCenterSession.
struct ChannelResult {
  std::string channel;
  bool ok;
};

struct StartSessionOutcome {
  std::vector<ChannelResult> channels;
  std::optional<AgentStateChange> change;  // absent when already logged in
  bool any_ok() const;
  bool all_ok() const;
};

inline constexpr const char* kChatChannel = "chat";

class AgentStates {
 public:
  explicit AgentStates(const Clock& clock) : clock_(clock) {}

  // Channels named by the client; only "chat" exists. Fails only if no channel is known.
  Expected<StartSessionOutcome> start_session(const std::string& user_id,
                                              const std::vector<std::string>& channels);
  Expected<AgentStateChange> end_session(const std::string& user_id);
  Expected<AgentStateChange> set_ready(const std::string& user_id);
  Expected<AgentStateChange> set_not_ready(const std::string& user_id, const std::string& reason);

  const AgentState& get(const std::string& user_id) const;
  std::vector<std::string> logged_in_users() const;
  // Recovery: put back a stored state without producing a change.
  void restore(const std::string& user_id, const AgentState& state);

 private:
  Expected<AgentStateChange> set(const std::string& user_id, ChannelState next, const std::string& reason);

  const Clock& clock_;
  std::unordered_map<std::string, AgentState> states_;
};

}  // namespace parley::chat
