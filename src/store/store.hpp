#pragma once
// The Store: the system of record. Everything that must survive a restart goes through
// `submit` as a batch of records; the implementation commits batches in order (group
// commit) and calls each batch's callback once its records are durable — only then may the
// caller acknowledge the operation. Recovery reads everything back with `load`.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "chat/agent_state.hpp"
#include "chat/model.hpp"
#include "chat/user.hpp"

namespace parley::store {

struct SessionRecord {
  std::string id;  // digest of the cookie token: the token itself is never stored
  std::string user_id;
  std::string csrf_token;
  TimeMs created_ms = 0;
  TimeMs last_seen_ms = 0;
};

struct ServiceRecord {
  std::string name;
};

struct PutUser { chat::User user; };
struct DeleteUser { std::string user_id; };
struct PutSession { SessionRecord session; };
struct TouchSession { std::string session_id; TimeMs last_seen_ms; };
struct DeleteSession { std::string session_id; };
struct DeleteUserSessions { std::string user_id; };
struct PutAgentState { chat::AgentStateChange change; };
struct PutService { ServiceRecord service; };
// A chat's state without its log; the log grows through AppendItems.
struct PutChat { chat::Chat chat; };
struct AppendItems { std::string chat_id; std::vector<chat::LogItem> items; };
struct PutFile { std::string chat_id; std::string file_id; std::string content; };
struct PutSupervision { chat::Supervision supervision; };
struct DeleteSupervision { std::string supervisor_id; std::string agent_id; };

using Record = std::variant<PutUser, DeleteUser, PutSession, TouchSession, DeleteSession, DeleteUserSessions,
                            PutAgentState, PutService, PutChat, AppendItems, PutFile, PutSupervision,
                            DeleteSupervision>;
using Batch = std::vector<Record>;

// A copy of the chat without its log, for PutChat: the log goes to the store item by item.
chat::Chat header_of(const chat::Chat& c);

// Everything live, read once at start.
struct Snapshot {
  std::vector<chat::User> users;
  std::vector<SessionRecord> sessions;
  std::vector<chat::AgentStateChange> agent_states;
  std::vector<ServiceRecord> services;
  std::vector<chat::Chat> live_chats;  // with their logs
  std::vector<chat::Supervision> supervisions;
};

enum class Durability {
  Disk,     // each group commit is synced to disk before it is acknowledged (default)
  Process,  // survives a crash of the process, not of the machine
};

// Called on the store's writer thread: hand the result over to your own executor.
using CommitCallback = std::function<void(std::error_code)>;

class Store {
 public:
  virtual ~Store() = default;
  virtual Snapshot load() = 0;
  // Re-reads one agent's committed state (after a failed commit: memory goes back to disk).
  virtual std::optional<chat::AgentState> load_agent_state(const std::string& user_id) = 0;
  // Re-reads one chat with its log (after a failed commit); nullopt if never stored.
  virtual std::optional<chat::Chat> load_chat(const std::string& chat_id) = 0;
  virtual std::optional<std::string> load_file(const std::string& chat_id, const std::string& file_id) = 0;
  // History: finished chats a user took part in, most recent first (without their logs).
  virtual std::vector<chat::Chat> load_finished_chats(const std::string& user_id, std::size_t limit) = 0;
  virtual void submit(Batch batch, CommitCallback done) = 0;
  // Blocks until the batch is committed (command line tools, start-up).
  std::error_code submit_and_wait(Batch batch);
  // Commits what is queued, then stops the writer. Further submits fail.
  virtual void stop() = 0;
  // False while the last commit failed (disk full, I/O error): for /healthz and operators.
  virtual bool writable() const { return true; }
};

// Errors a commit reports.
enum class StoreError { Unavailable = 1, Stopped };
const std::error_category& store_category();
inline std::error_code make_error_code(StoreError e) { return {static_cast<int>(e), store_category()}; }

}  // namespace parley::store

template <>
struct std::is_error_code_enum<parley::store::StoreError> : std::true_type {};
