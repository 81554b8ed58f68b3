#include "store/sqlite_store.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "common/metrics.hpp"
#include "store/chat_codec.hpp"
#include "store/sqlite_db.hpp"
#include "store/user_codec.hpp"

namespace parley::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, user_name TEXT NOT NULL UNIQUE, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
  email TEXT NOT NULL, roles TEXT NOT NULL, enabled INTEGER NOT NULL, features TEXT NOT NULL,
  chat_capacity INTEGER NOT NULL, password_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS http_sessions (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf_token TEXT NOT NULL,
  created_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS http_sessions_user ON http_sessions(user_id);
CREATE TABLE IF NOT EXISTS agent_states (
  user_id TEXT PRIMARY KEY, chat_state INTEGER NOT NULL, reason TEXT NOT NULL, since_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS services (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS chats (id TEXT PRIMARY KEY, live INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chats_live ON chats(live) WHERE live = 1;
CREATE TABLE IF NOT EXISTS log_items (
  chat_id TEXT NOT NULL, seq INTEGER NOT NULL, audience INTEGER NOT NULL,
  customer_index INTEGER NOT NULL, agent_index INTEGER NOT NULL, supervisor_index INTEGER NOT NULL,
  body TEXT NOT NULL, PRIMARY KEY (chat_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS supervisions (supervisor_id TEXT NOT NULL, agent_id TEXT NOT NULL, mode INTEGER NOT NULL,
  scope INTEGER NOT NULL, nickname TEXT NOT NULL, since_ms INTEGER NOT NULL, PRIMARY KEY (agent_id, supervisor_id));
CREATE TABLE IF NOT EXISTS chat_members (user_id TEXT NOT NULL, chat_id TEXT NOT NULL, received_ms INTEGER NOT NULL,
  PRIMARY KEY (user_id, chat_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (chat_id TEXT NOT NULL, id TEXT NOT NULL, content BLOB NOT NULL,
  PRIMARY KEY (chat_id, id)) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
)sql";

int open_flags() { return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX; }

}  // namespace

// The writer's connection and prepared statements: one statement per record kind, the
// replayer (load) beside it so both sides of each table stay in step.
class SqliteStore::Writer {
 public:
  Writer(const std::string& path, Durability durability)
      : db(path, open_flags()),
        begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        put_user(db,
                 "INSERT INTO users(id,user_name,first_name,last_name,email,roles,enabled,features,chat_capacity,"
                 "password_hash) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT(id) DO UPDATE SET "
                 "user_name=?2,first_name=?3,last_name=?4,email=?5,roles=?6,enabled=?7,features=?8,"
                 "chat_capacity=?9,password_hash=?10"),
        delete_user(db, "DELETE FROM users WHERE id=?1"),
        put_session(db,
                    "INSERT OR REPLACE INTO http_sessions(id,user_id,csrf_token,created_ms,last_seen_ms) "
                    "VALUES(?1,?2,?3,?4,?5)"),
        touch_session(db, "UPDATE http_sessions SET last_seen_ms=?2 WHERE id=?1"),
        delete_session(db, "DELETE FROM http_sessions WHERE id=?1"),
        delete_user_sessions(db, "DELETE FROM http_sessions WHERE user_id=?1"),
        put_agent_state(db, "INSERT OR REPLACE INTO agent_states(user_id,chat_state,reason,since_ms) "
                            "VALUES(?1,?2,?3,?4)"),
        put_service(db, "INSERT OR IGNORE INTO services(name) VALUES(?1)"),
        put_chat(db, "INSERT OR REPLACE INTO chats(id,live,body) VALUES(?1,?2,?3)"),
        append_item(db, "INSERT OR REPLACE INTO log_items(chat_id,seq,audience,customer_index,agent_index,"
                        "supervisor_index,body) VALUES(?1,?2,?3,?4,?5,?6,?7)"),
        put_file(db, "INSERT OR REPLACE INTO files(chat_id,id,content) VALUES(?1,?2,?3)"),
        delete_files(db, "DELETE FROM files WHERE chat_id=?1"),
        put_member(db, "INSERT OR IGNORE INTO chat_members(user_id,chat_id,received_ms) VALUES(?1,?2,?3)"),
        put_supervision(db, "INSERT OR REPLACE INTO supervisions(supervisor_id,agent_id,mode,scope,nickname,since_ms) "
                            "VALUES(?1,?2,?3,?4,?5,?6)"),
        delete_supervision(db, "DELETE FROM supervisions WHERE supervisor_id=?1 AND agent_id=?2") {
    db.exec(durability == Durability::Disk ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  }

  void apply(const Record& record) {
    std::visit([this](const auto& r) { apply_one(r); }, record);
  }

  SqliteDb db;
  SqliteStmt begin, commit, rollback;

 private:
  void apply_one(const PutUser& r) {
    const auto& u = r.user;
    put_user.bind(1, u.id).bind(2, u.user_name).bind(3, u.first_name).bind(4, u.last_name).bind(5, u.email_address);
    put_user.bind(6, roles_text(u.roles)).bind(7, std::int64_t{u.enabled}).bind(8, join_list(u.features));
    put_user.bind(9, std::int64_t{u.chat_capacity}).bind(10, u.password_hash).run();
  }
  void apply_one(const DeleteUser& r) { delete_user.bind(1, r.user_id).run(); }
  void apply_one(const PutSession& r) {
    const auto& s = r.session;
    put_session.bind(1, s.id).bind(2, s.user_id).bind(3, s.csrf_token).bind(4, s.created_ms).bind(5, s.last_seen_ms);
    put_session.run();
  }
  void apply_one(const TouchSession& r) { touch_session.bind(1, r.session_id).bind(2, r.last_seen_ms).run(); }
  void apply_one(const DeleteSession& r) { delete_session.bind(1, r.session_id).run(); }
  void apply_one(const DeleteUserSessions& r) { delete_user_sessions.bind(1, r.user_id).run(); }
  void apply_one(const PutAgentState& r) {
    const auto& s = r.change.state;
    put_agent_state.bind(1, r.change.user_id).bind(2, static_cast<std::int64_t>(s.chat)).bind(3, s.reason);
    put_agent_state.bind(4, s.since_ms).run();
  }
  void apply_one(const PutService& r) { put_service.bind(1, r.service.name).run(); }
  void apply_one(const PutChat& r) {
    put_chat.bind(1, r.chat.id).bind(2, std::int64_t{!r.chat.ended()}).bind(3, encode_chat(r.chat)).run();
    // Files go with the chat (customer.md): removed when it ends.
    if (r.chat.ended()) delete_files.bind(1, r.chat.id).run();
    // Who took part, for the history of each agent and supervisor.
    for (const auto& p : r.chat.participants)
      if (!p.user_id.empty()) put_member.bind(1, p.user_id).bind(2, r.chat.id).bind(3, r.chat.received_ms).run();
  }
  void apply_one(const AppendItems& r) {
    for (const auto& item : r.items) {
      append_item.bind(1, r.chat_id).bind(2, item.seq).bind(3, std::int64_t{item.audience});
      append_item.bind(4, item.index[0]).bind(5, item.index[1]).bind(6, item.index[2]).bind(7, encode_item(item));
      append_item.run();
    }
  }
  void apply_one(const PutFile& r) { put_file.bind(1, r.chat_id).bind(2, r.file_id).bind_blob(3, r.content).run(); }
  void apply_one(const PutSupervision& r) {
    const auto& s = r.supervision;
    put_supervision.bind(1, s.supervisor_id).bind(2, s.agent_id).bind(3, static_cast<std::int64_t>(s.mode));
    put_supervision.bind(4, static_cast<std::int64_t>(s.scope)).bind(5, s.nickname).bind(6, s.since_ms).run();
  }
  void apply_one(const DeleteSupervision& r) { delete_supervision.bind(1, r.supervisor_id).bind(2, r.agent_id).run(); }

  SqliteStmt put_user, delete_user, put_session, touch_session, delete_session, delete_user_sessions,
      put_agent_state, put_service, put_chat, append_item, put_file, delete_files, put_member, put_supervision,
      delete_supervision;
};

SqliteStore::SqliteStore(SqliteStoreOptions options) {
  std::filesystem::create_directories(options.data_dir);
  path_ = (std::filesystem::path(options.data_dir) / "parley.db").string();
  {
    SqliteDb setup(path_, open_flags());
    setup.exec("PRAGMA journal_mode=WAL");
    setup.exec(kSchema);
  }
  writer_ = std::make_unique<Writer>(path_, options.durability);
  auto& metrics = Metrics::global();
  metrics.describe("parley_store_commit_seconds", "histogram", "Time to commit one group of operations");
  metrics.describe("parley_store_commits_total", "counter", "Group commits by result");
  metrics.describe("parley_store_operations_total", "counter", "Operations committed (several share a group)");
  thread_ = std::thread([this] { run_writer(); });
}

SqliteStore::~SqliteStore() { stop(); }

Snapshot SqliteStore::load() {
  // A separate read connection: recovery never waits on the writer.
  SqliteDb db(path_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  Snapshot snap;
  SqliteStmt users(db,
                   "SELECT id,user_name,first_name,last_name,email,roles,enabled,features,chat_capacity,password_hash "
                   "FROM users ORDER BY user_name");
  while (users.step()) {
    chat::User u;
    u.id = users.text(0);
    u.user_name = users.text(1);
    u.first_name = users.text(2);
    u.last_name = users.text(3);
    u.email_address = users.text(4);
    u.roles = parse_roles(users.text(5));
    u.enabled = users.integer(6) != 0;
    u.features = split_list(users.text(7));
    u.chat_capacity = static_cast<int>(users.integer(8));
    u.password_hash = users.text(9);
    snap.users.push_back(std::move(u));
  }
  SqliteStmt sessions(db, "SELECT id,user_id,csrf_token,created_ms,last_seen_ms FROM http_sessions ORDER BY created_ms");
  while (sessions.step())
    snap.sessions.push_back({sessions.text(0), sessions.text(1), sessions.text(2), sessions.integer(3),
                             sessions.integer(4)});
  SqliteStmt states(db, "SELECT user_id,chat_state,reason,since_ms FROM agent_states");
  while (states.step())
    snap.agent_states.push_back(
        {states.text(0), chat::AgentState{static_cast<chat::ChannelState>(states.integer(1)), states.text(2),
                                          states.integer(3)}});
  SqliteStmt services(db, "SELECT name FROM services ORDER BY name");
  while (services.step()) snap.services.push_back({services.text(0)});
  SqliteStmt supervisions(db, "SELECT supervisor_id,agent_id,mode,scope,nickname,since_ms FROM supervisions");
  while (supervisions.step())
    snap.supervisions.push_back({supervisions.text(0), supervisions.text(1),
                                 static_cast<chat::SupervisionMode>(supervisions.integer(2)),
                                 static_cast<chat::MonitoringScope>(supervisions.integer(3)), supervisions.text(4),
                                 supervisions.integer(5)});
  SqliteStmt chats(db, "SELECT body FROM chats WHERE live = 1");
  SqliteStmt items(db, "SELECT body FROM log_items WHERE chat_id=?1 ORDER BY seq");
  while (chats.step()) {
    chat::Chat c = decode_chat(chats.text(0));
    items.bind(1, c.id);
    while (items.step()) c.log.push_back(decode_item(items.text(0)));
    items.reset();
    snap.live_chats.push_back(std::move(c));
  }
  return snap;
}

std::optional<chat::AgentState> SqliteStore::load_agent_state(const std::string& user_id) {
  SqliteDb db(path_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  SqliteStmt q(db, "SELECT chat_state,reason,since_ms FROM agent_states WHERE user_id=?1");
  q.bind(1, user_id);
  if (!q.step()) return std::nullopt;
  return chat::AgentState{static_cast<chat::ChannelState>(q.integer(0)), q.text(1), q.integer(2)};
}

std::optional<chat::Chat> SqliteStore::load_chat(const std::string& chat_id) {
  SqliteDb db(path_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  SqliteStmt q(db, "SELECT body FROM chats WHERE id=?1");
  q.bind(1, chat_id);
  if (!q.step()) return std::nullopt;
  chat::Chat c = decode_chat(q.text(0));
  SqliteStmt items(db, "SELECT body FROM log_items WHERE chat_id=?1 ORDER BY seq");
  items.bind(1, chat_id);
  while (items.step()) c.log.push_back(decode_item(items.text(0)));
  return c;
}

std::vector<chat::Chat> SqliteStore::load_finished_chats(const std::string& user_id, std::size_t limit) {
  SqliteDb db(path_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  SqliteStmt q(db,
               "SELECT c.body FROM chat_members m JOIN chats c ON c.id = m.chat_id WHERE m.user_id=?1 AND c.live=0 "
               "ORDER BY m.received_ms DESC LIMIT ?2");
  q.bind(1, user_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<chat::Chat> out;
  while (q.step()) out.push_back(decode_chat(q.text(0)));
  return out;
}

std::optional<std::string> SqliteStore::load_file(const std::string& chat_id, const std::string& file_id) {
  SqliteDb db(path_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  SqliteStmt q(db, "SELECT content FROM files WHERE chat_id=?1 AND id=?2");
  q.bind(1, chat_id).bind(2, file_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

void SqliteStore::submit(Batch batch, CommitCallback done) {
  if (auto refused = queue_.push({std::move(batch), std::move(done)}))
    refused->done(make_error_code(StoreError::Stopped));
}

void SqliteStore::stop() {
  queue_.stop();
  if (thread_.joinable()) thread_.join();
}

void SqliteStore::run_writer() {
  for (;;) {
    std::deque<CommitQueue::Pending> group = queue_.take_all();
    if (group.empty()) return;  // stopping with nothing left to commit
    std::error_code result;
    const auto started = std::chrono::steady_clock::now();
    try {
      writer_->begin.run();
      for (const auto& pending : group)
        for (const auto& record : pending.batch) writer_->apply(record);
      writer_->commit.run();
    } catch (const SqliteError& e) {
      spdlog::error("store: commit of {} operations failed: {}", group.size(), e.what());
      try {
        writer_->rollback.run();
      } catch (const SqliteError&) {
        // Already rolled back by SQLite (e.g. on SQLITE_FULL); nothing more to undo.
      }
      result = make_error_code(StoreError::Unavailable);
    }
    auto& metrics = Metrics::global();
    metrics.observe("parley_store_commit_seconds",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    metrics.count("parley_store_commits_total", result ? "result=\"failed\"" : "result=\"ok\"");
    writable_ = !result;
    metrics.count("parley_store_operations_total", "", group.size());
    for (auto& pending : group) pending.done(result);
  }
}

}  // namespace parley::store
