#include "gws/accounts.hpp"

#include <algorithm>

#include "common/random.hpp"

namespace parley::gws {
namespace {
constexpr TimeMs kMinute = 60 * 1000;
constexpr TimeMs kCredentialTtl = 5 * kMinute;
constexpr std::size_t kMaxCachedCredentials = 10000;
}  // namespace

Accounts::Accounts(const Clock& clock, AccountsOptions options)
    : clock_(clock), options_(options), credential_salt_(random_token()) {}

void Accounts::restore(const store::Snapshot& snapshot) {
  std::lock_guard lock(mutex_);
  for (const auto& u : snapshot.users) {
    users_[u.id] = u;
    user_names_[u.user_name] = u.id;
  }
  const TimeMs now = clock_.now_ms();
  for (const auto& s : snapshot.sessions) {
    sessions_[s.id] = Session{s.user_id, s.csrf_token, s.created_ms, s.last_seen_ms, s.last_seen_ms};
    user_sessions_[s.user_id].push_back(s.id);
  }
  // After a restart every user gets a fresh idle period: the server being down is not
  // the user being idle.
  for (const auto& u : snapshot.users) activity_[u.id] = now;
}

std::optional<chat::User> Accounts::find_user(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::optional<chat::User> Accounts::find_user_by_name(const std::string& user_name) const {
  std::lock_guard lock(mutex_);
  auto it = user_names_.find(user_name);
  if (it == user_names_.end()) return std::nullopt;
  return users_.at(it->second);
}

std::vector<chat::User> Accounts::list_users() const {
  std::vector<chat::User> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(users_.size());
    for (const auto& [id, u] : users_) out.push_back(u);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.user_name < b.user_name; });
  return out;
}

Status Accounts::put_user(const chat::User& user) {
  std::lock_guard lock(mutex_);
  auto named = user_names_.find(user.user_name);
  if (named != user_names_.end() && named->second != user.id)
    return make_error(ErrorKind::AlreadyExists, "A user named " + user.user_name + " already exists");
  auto old = users_.find(user.id);
  if (old != users_.end()) {
    if (old->second.user_name != user.user_name) user_names_.erase(old->second.user_name);
    // A new password or a disabled account must not be served from the cache.
    if (old->second.password_hash != user.password_hash || !user.enabled) forget_credentials_locked(user.id);
  }
  users_[user.id] = user;
  user_names_[user.user_name] = user.id;
  activity_.try_emplace(user.id, clock_.now_ms());
  return Ok{};
}

void Accounts::remove_user(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end()) return;
  user_names_.erase(it->second.user_name);
  users_.erase(it);
  forget_credentials_locked(id);
}

std::optional<SessionInfo> Accounts::find_session(const std::string& token, std::optional<store::Record>& touch) {
  const std::string id = digest_hex(token);
  const TimeMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  auto& s = it->second;
  if (now - s.last_seen_ms > options_.session_idle_ms) return std::nullopt;  // the sweeper removes it
  s.last_seen_ms = now;
  if (now - s.stored_seen_ms >= kMinute) {
    s.stored_seen_ms = now;
    touch = store::TouchSession{id, now};
  }
  activity_[s.user_id] = now;
  return SessionInfo{id, s.user_id, s.csrf_token};
}

NewSession Accounts::create_session(const std::string& user_id) {
  NewSession out;
  out.token = random_token();
  const TimeMs now = clock_.now_ms();
  out.info = SessionInfo{digest_hex(out.token), user_id, random_token()};
  std::lock_guard lock(mutex_);
  sessions_[out.info.id] = Session{user_id, out.info.csrf_token, now, now, now};
  auto& mine = user_sessions_[user_id];
  mine.push_back(out.info.id);
  // A client that never returns the cookie costs at most the cap: the oldest sessions go.
  while (mine.size() > options_.max_sessions_per_user) {
    std::string oldest = mine.front();
    mine.pop_front();
    sessions_.erase(oldest);
    out.records.push_back(store::DeleteSession{oldest});
  }
  out.records.push_back(store::PutSession{{out.info.id, user_id, out.info.csrf_token, now, now}});
  activity_[user_id] = now;
  return out;
}

store::Batch Accounts::end_user_sessions(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  auto it = user_sessions_.find(user_id);
  if (it != user_sessions_.end()) {
    for (const auto& id : it->second) sessions_.erase(id);
    user_sessions_.erase(it);
  }
  forget_credentials_locked(user_id);
  return {store::DeleteUserSessions{user_id}};
}

store::Batch Accounts::expire_idle_sessions() {
  store::Batch out;
  const TimeMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  std::vector<std::string> expired;
  for (const auto& [id, s] : sessions_)
    if (now - s.last_seen_ms > options_.session_idle_ms) expired.push_back(id);
  for (const auto& id : expired) {
    drop_session_locked(id);
    out.push_back(store::DeleteSession{id});
  }
  return out;
}

std::size_t Accounts::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void Accounts::drop_session_locked(const std::string& id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  auto& mine = user_sessions_[it->second.user_id];
  mine.erase(std::remove(mine.begin(), mine.end(), id), mine.end());
  if (mine.empty()) user_sessions_.erase(it->second.user_id);
  sessions_.erase(it);
}

void Accounts::note_activity(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  activity_[user_id] = clock_.now_ms();
}

TimeMs Accounts::last_activity(const std::string& user_id) const {
  std::lock_guard lock(mutex_);
  auto it = activity_.find(user_id);
  return it == activity_.end() ? 0 : it->second;
}

void Accounts::bump(FailureWindow& w, TimeMs now) {
  if (now - w.start_ms >= kMinute) w = FailureWindow{now, 0};
  ++w.count;
}

std::optional<int> Accounts::blocked(const FailureWindow* w, int limit, TimeMs now) {
  if (!w || now - w->start_ms >= kMinute || w->count < limit) return std::nullopt;
  return static_cast<int>((w->start_ms + kMinute - now + 999) / 1000);
}

std::optional<int> Accounts::login_blocked(const std::string& user_name, const std::string& address) const {
  const TimeMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  auto u = user_failures_.find(user_name);
  if (auto wait = blocked(u == user_failures_.end() ? nullptr : &u->second, options_.login_failures_per_minute, now))
    return wait;
  auto a = address_failures_.find(address);
  return blocked(a == address_failures_.end() ? nullptr : &a->second, options_.address_login_failures_per_minute,
                 now);
}

void Accounts::record_login_failure(const std::string& user_name, const std::string& address) {
  const TimeMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  // Bound the tables: an attacker cycling names must not grow memory without limit.
  if (user_failures_.size() > 100000) user_failures_.clear();
  if (address_failures_.size() > 100000) address_failures_.clear();
  bump(user_failures_[user_name], now);
  bump(address_failures_[address], now);
}

std::string Accounts::credential_key(const std::string& user_name, const std::string& password) const {
  return digest_hex(credential_salt_ + '\n' + user_name + '\n' + password);
}

std::optional<std::string> Accounts::cached_credential(const std::string& user_name,
                                                       const std::string& password) const {
  const std::string key = credential_key(user_name, password);
  const TimeMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  auto it = credentials_.find(key);
  if (it == credentials_.end() || it->second.expires_ms < now) return std::nullopt;
  return it->second.user_id;
}

void Accounts::cache_credential(const std::string& user_name, const std::string& password,
                                const std::string& user_id) {
  const std::string key = credential_key(user_name, password);
  std::lock_guard lock(mutex_);
  if (credentials_.size() >= kMaxCachedCredentials) credentials_.clear();
  credentials_[key] = CachedCredential{user_id, clock_.now_ms() + kCredentialTtl};
}

void Accounts::forget_credentials_locked(const std::string& user_id) {
  std::erase_if(credentials_, [&](const auto& entry) { return entry.second.user_id == user_id; });
}

}  // namespace parley::gws
