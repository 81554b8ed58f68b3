#pragma once
// Users and HTTP sessions, shared by every I/O thread: the one mutex of the server lives
// here. Reads are lookups in hash maps; changes return the store records that make them
// durable, and the caller commits those before answering.
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/user.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/store.hpp"

namespace parley::gws {

struct AccountsOptions {
  TimeMs session_idle_ms = 30 * 60 * 1000;
  std::size_t max_sessions_per_user = 1000;
  int login_failures_per_minute = 10;         // per user name
  int address_login_failures_per_minute = 100; // per client address
};

struct SessionInfo {
  std::string id;  // digest of the token
  std::string user_id;
  std::string csrf_token;
};

struct NewSession {
  std::string token;  // goes into the cookie, never stored
  SessionInfo info;
  store::Batch records;  // the session itself, plus evictions beyond the per-user cap
};

class Accounts {
 public:
  Accounts(const Clock& clock, AccountsOptions options);

  void restore(const store::Snapshot& snapshot);

  // --- users ---
  std::optional<chat::User> find_user(const std::string& id) const;
  std::optional<chat::User> find_user_by_name(const std::string& user_name) const;
  std::vector<chat::User> list_users() const;
  // Adds or replaces a user in memory; fails when the name is taken by another user.
  Status put_user(const chat::User& user);
  void remove_user(const std::string& id);

  // --- sessions ---
  // Looks a cookie token up; refreshes its last-seen time. `touch` receives a record when the
  // coarse last-seen time should be written (at most once a minute per session).
  std::optional<SessionInfo> find_session(const std::string& token, std::optional<store::Record>& touch);
  NewSession create_session(const std::string& user_id);
  // Ends every session of the user (EndContactCenterSession, disable, delete, password change).
  store::Batch end_user_sessions(const std::string& user_id);
  // Sessions idle past the timeout; removed from memory, records returned for the store.
  store::Batch expire_idle_sessions();
  std::size_t session_count() const;

  // --- user activity, for ending idle contact-center sessions ---
  void note_activity(const std::string& user_id);
  TimeMs last_activity(const std::string& user_id) const;

  // --- login protection ---
  // Seconds to wait before trying again, when the user or the address failed too often.
  std::optional<int> login_blocked(const std::string& user_name, const std::string& address) const;
  void record_login_failure(const std::string& user_name, const std::string& address);
  // Verified Basic credentials, so repeated Basic calls do not pay for Argon2id each time.
  std::optional<std::string> cached_credential(const std::string& user_name, const std::string& password) const;
  void cache_credential(const std::string& user_name, const std::string& password, const std::string& user_id);

 private:
  struct Session {
    std::string user_id;
    std::string csrf_token;
    TimeMs created_ms;
    TimeMs last_seen_ms;
    TimeMs stored_seen_ms;
  };
  struct FailureWindow {
    TimeMs start_ms = 0;
    int count = 0;
  };
  struct CachedCredential {
    std::string user_id;
    TimeMs expires_ms;
  };

  std::string credential_key(const std::string& user_name, const std::string& password) const;
  void drop_session_locked(const std::string& id);
  void forget_credentials_locked(const std::string& user_id);
  static void bump(FailureWindow& w, TimeMs now);
  static std::optional<int> blocked(const FailureWindow* w, int limit, TimeMs now);

  const Clock& clock_;
  AccountsOptions options_;
  std::string credential_salt_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, chat::User> users_;        // by id
  std::unordered_map<std::string, std::string> user_names_;  // user name -> id
  std::unordered_map<std::string, Session> sessions_;        // by token digest
  std::unordered_map<std::string, std::deque<std::string>> user_sessions_;  // oldest first
  std::unordered_map<std::string, TimeMs> activity_;
  std::unordered_map<std::string, FailureWindow> user_failures_;
  std::unordered_map<std::string, FailureWindow> address_failures_;
  std::unordered_map<std::string, CachedCredential> credentials_;
};

}  // namespace parley::gws
