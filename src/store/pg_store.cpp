#include "store/pg_store.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <unordered_map>

#include "common/metrics.hpp"
#include "store/chat_codec.hpp"
#include "store/pg_conn.hpp"
#include "store/pg_schema.hpp"
#include "store/user_codec.hpp"

namespace parley::store {
namespace {

// A pipeline holds at most this many statements before its sync: PostgreSQL answers as it
// reads, and a pipeline far larger than the socket buffers could block both sides.
constexpr std::size_t kStatementsPerPipeline = 2000;

// PL/pgSQL RAISE EXCEPTION without its own code: what parley_fence raises.
constexpr const char* kFenceSqlState = "P0001";

const char* flag(bool b) { return b ? "true" : "false"; }

}  // namespace

// The writer's connection in pipeline mode and its prepared statements: one per record kind.
class PgStore::Writer {
 public:
  Writer(const std::string& url, Durability durability) : conn(url), durability_(durability) { setup(); }

  void setup() {
    if (durability_ == Durability::Process) conn.exec("SET synchronous_commit = off");
    conn.prepare("fence", "SELECT parley_fence($1, $2, $3)");
    conn.prepare("put_user",
                 "INSERT INTO users(id,user_name,first_name,last_name,email,roles,enabled,features,chat_capacity,"
                 "password_hash) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT(id) DO UPDATE SET "
                 "user_name=$2,first_name=$3,last_name=$4,email=$5,roles=$6,enabled=$7,features=$8,"
                 "chat_capacity=$9,password_hash=$10");
    conn.prepare("delete_user", "DELETE FROM users WHERE id=$1");
    conn.prepare("put_session",
                 "INSERT INTO http_sessions(id,user_id,csrf_token,created_ms,last_seen_ms) VALUES($1,$2,$3,$4,$5) "
                 "ON CONFLICT(id) DO UPDATE SET user_id=$2,csrf_token=$3,created_ms=$4,last_seen_ms=$5");
    conn.prepare("touch_session", "UPDATE http_sessions SET last_seen_ms=$2 WHERE id=$1");
    conn.prepare("delete_session", "DELETE FROM http_sessions WHERE id=$1");
    conn.prepare("delete_user_sessions", "DELETE FROM http_sessions WHERE user_id=$1");
    conn.prepare("put_agent_state",
                 "INSERT INTO agent_states(user_id,chat_state,reason,since_ms) VALUES($1,$2,$3,$4) "
                 "ON CONFLICT(user_id) DO UPDATE SET chat_state=$2,reason=$3,since_ms=$4");
    conn.prepare("put_service", "INSERT INTO services(name) VALUES($1) ON CONFLICT DO NOTHING");
    conn.prepare("put_chat",
                 "INSERT INTO chats(id,live,body) VALUES($1,$2,$3) ON CONFLICT(id) DO UPDATE SET live=$2,body=$3");
    conn.prepare("append_item",
                 "INSERT INTO log_items(chat_id,seq,audience,customer_index,agent_index,supervisor_index,body) "
                 "VALUES($1,$2,$3,$4,$5,$6,$7) ON CONFLICT(chat_id,seq) DO UPDATE SET audience=$3,"
                 "customer_index=$4,agent_index=$5,supervisor_index=$6,body=$7");
    conn.prepare("put_file",
                 "INSERT INTO files(chat_id,id,content) VALUES($1,$2,$3) ON CONFLICT(chat_id,id) DO UPDATE "
                 "SET content=$3");
    conn.prepare("delete_files", "DELETE FROM files WHERE chat_id=$1");
    conn.prepare("put_member",
                 "INSERT INTO chat_members(user_id,chat_id,received_ms) VALUES($1,$2,$3) ON CONFLICT DO NOTHING");
    conn.prepare("put_supervision",
                 "INSERT INTO supervisions(supervisor_id,agent_id,mode,scope,nickname,since_ms) "
                 "VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT(agent_id,supervisor_id) DO UPDATE SET mode=$3,scope=$4,"
                 "nickname=$5,since_ms=$6");
    conn.prepare("delete_supervision", "DELETE FROM supervisions WHERE supervisor_id=$1 AND agent_id=$2");
    if (!PQenterPipelineMode(conn.handle())) throw PgError("cannot enter pipeline mode");
  }

  // Sends a record's statements; returns how many.
  std::size_t send(const Record& record) {
    return std::visit([this](const auto& r) { return send_one(r); }, record);
  }
  void send_fence(const WriteFence& f) {
    pg_send_prepared(conn.handle(), "fence", {f.lease, f.node, f.epoch});
  }

  struct Outcome {
    bool ok = true;
    bool fence_lost = false;
    std::string error;
  };
  // Ends the pipeline with a sync (one implicit transaction) and reads every answer.
  Outcome finish() {
    Outcome out;
    if (!PQpipelineSync(conn.handle())) return broken("cannot send the pipeline");
    int nulls = 0;
    for (;;) {
      PgResult r(PQgetResult(conn.handle()));
      if (!r) {
        // One NULL ends each statement's answers; two in a row mean nothing more will come.
        if (++nulls > 1 || PQstatus(conn.handle()) != CONNECTION_OK) return broken("the connection was lost");
        continue;
      }
      nulls = 0;
      const auto status = PQresultStatus(r.get());
      if (status == PGRES_PIPELINE_SYNC) break;
      if (status == PGRES_FATAL_ERROR && out.ok) {
        out.ok = false;
        out.error = PQresultErrorMessage(r.get());
        const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        if (state && std::string_view(state) == kFenceSqlState) out.fence_lost = true;
      }
    }
    return out;
  }

  PgConn conn;

 private:
  Outcome broken(const char* what) {
    Outcome out{false, false, std::string(what) + ": " + PQerrorMessage(conn.handle())};
    try {
      conn.reconnect();
      setup();
    } catch (const PgError& e) {
      spdlog::error("store: cannot reconnect to PostgreSQL: {}", e.what());
    }
    return out;
  }

  std::size_t send_one(const PutUser& r) {
    const auto& u = r.user;
    const std::string roles = roles_text(u.roles), features = join_list(u.features);
    pg_send_prepared(conn.handle(), "put_user",
                     {u.id, u.user_name, u.first_name, u.last_name, u.email_address, roles, flag(u.enabled), features,
                      std::int64_t{u.chat_capacity}, u.password_hash});
    return 1;
  }
  std::size_t send_one(const DeleteUser& r) { return send("delete_user", {r.user_id}); }
  std::size_t send_one(const PutSession& r) {
    const auto& s = r.session;
    return send("put_session", {s.id, s.user_id, s.csrf_token, s.created_ms, s.last_seen_ms});
  }
  std::size_t send_one(const TouchSession& r) { return send("touch_session", {r.session_id, r.last_seen_ms}); }
  std::size_t send_one(const DeleteSession& r) { return send("delete_session", {r.session_id}); }
  std::size_t send_one(const DeleteUserSessions& r) { return send("delete_user_sessions", {r.user_id}); }
  std::size_t send_one(const PutAgentState& r) {
    const auto& s = r.change.state;
    return send("put_agent_state", {r.change.user_id, static_cast<std::int64_t>(s.chat), s.reason, s.since_ms});
  }
  std::size_t send_one(const PutService& r) { return send("put_service", {r.service.name}); }
  std::size_t send_one(const PutChat& r) {
    const std::string body = encode_chat(r.chat);
    std::size_t n = send("put_chat", {r.chat.id, flag(!r.chat.ended()), body});
    // Files go with the chat (customer.md): removed when it ends.
    if (r.chat.ended()) n += send("delete_files", {r.chat.id});
    // Who took part, for the history of each agent and supervisor.
    for (const auto& p : r.chat.participants)
      if (!p.user_id.empty()) n += send("put_member", {p.user_id, r.chat.id, r.chat.received_ms});
    return n;
  }
  std::size_t send_one(const AppendItems& r) {
    for (const auto& item : r.items) {
      const std::string body = encode_item(item);
      send("append_item", {r.chat_id, item.seq, std::int64_t{item.audience}, item.index[0], item.index[1],
                           item.index[2], body});
    }
    return r.items.size();
  }
  std::size_t send_one(const PutFile& r) {
    return send("put_file", {r.chat_id, r.file_id, PgParam::bytes(r.content)});
  }
  std::size_t send_one(const PutSupervision& r) {
    const auto& s = r.supervision;
    return send("put_supervision", {s.supervisor_id, s.agent_id, static_cast<std::int64_t>(s.mode),
                                    static_cast<std::int64_t>(s.scope), s.nickname, s.since_ms});
  }
  std::size_t send_one(const DeleteSupervision& r) { return send("delete_supervision", {r.supervisor_id, r.agent_id}); }

  std::size_t send(const char* name, const std::vector<PgParam>& params) {
    pg_send_prepared(conn.handle(), name, params);
    return 1;
  }

  Durability durability_;
};

// Connections for reads (recovery, history, files), kept for reuse; one per concurrent reader.
class PgStore::ReaderPool {
 public:
  explicit ReaderPool(std::string url) : url_(std::move(url)) {}

  template <class F>
  auto with(F&& f) {
    std::unique_ptr<PgConn> conn = take();
    try {
      auto result = f(*conn);
      give_back(std::move(conn));
      return result;
    } catch (const PgError&) {
      if (!conn->broken()) give_back(std::move(conn));
      throw;
    }
  }

 private:
  std::unique_ptr<PgConn> take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (!c->broken()) return c;
      }
    }
    return std::make_unique<PgConn>(url_);
  }
  void give_back(std::unique_ptr<PgConn> c) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < 4) idle_.push_back(std::move(c));
  }

  std::string url_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<PgConn>> idle_;
};

namespace {
chat::Chat chat_with_log(PgConn& conn, const std::string& body) {
  chat::Chat c = decode_chat(body);
  auto items = conn.exec("SELECT body FROM log_items WHERE chat_id=$1 ORDER BY seq", {c.id});
  for (int i = 0; i < PQntuples(items.get()); ++i) c.log.push_back(decode_item(pg_text(items.get(), i, 0)));
  return c;
}
}  // namespace

PgStore::PgStore(PgStoreOptions options) : options_(std::move(options)) {
  {
    PgConn setup(options_.url);
    migrate(setup);
  }
  writer_ = std::make_unique<Writer>(options_.url, options_.durability);
  readers_ = std::make_unique<ReaderPool>(options_.url);
  auto& metrics = Metrics::global();
  metrics.describe("parley_store_commit_seconds", "histogram", "Time to commit one group of operations");
  metrics.describe("parley_store_commits_total", "counter", "Group commits by result");
  metrics.describe("parley_store_operations_total", "counter", "Operations committed (several share a group)");
  thread_ = std::thread([this] { run_writer(); });
}

PgStore::~PgStore() { stop(); }

void PgStore::set_fence(std::optional<WriteFence> fence) {
  std::lock_guard lock(fence_mutex_);
  fence_ = std::move(fence);
}

Snapshot PgStore::load() {
  return readers_->with([](PgConn& conn) {
    Snapshot snap;
    // One transaction: every table read at the same instant.
    conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    auto users = conn.exec(
        "SELECT id,user_name,first_name,last_name,email,roles,enabled,features,chat_capacity,password_hash "
        "FROM users ORDER BY user_name");
    for (int i = 0; i < PQntuples(users.get()); ++i) {
      chat::User u;
      u.id = pg_text(users.get(), i, 0);
      u.user_name = pg_text(users.get(), i, 1);
      u.first_name = pg_text(users.get(), i, 2);
      u.last_name = pg_text(users.get(), i, 3);
      u.email_address = pg_text(users.get(), i, 4);
      u.roles = parse_roles(pg_text(users.get(), i, 5));
      u.enabled = pg_text(users.get(), i, 6) == "t";
      u.features = split_list(pg_text(users.get(), i, 7));
      u.chat_capacity = static_cast<int>(pg_int(users.get(), i, 8));
      u.password_hash = pg_text(users.get(), i, 9);
      snap.users.push_back(std::move(u));
    }
    auto sessions =
        conn.exec("SELECT id,user_id,csrf_token,created_ms,last_seen_ms FROM http_sessions ORDER BY created_ms");
    for (int i = 0; i < PQntuples(sessions.get()); ++i)
      snap.sessions.push_back({pg_text(sessions.get(), i, 0), pg_text(sessions.get(), i, 1),
                               pg_text(sessions.get(), i, 2), pg_int(sessions.get(), i, 3),
                               pg_int(sessions.get(), i, 4)});
    auto states = conn.exec("SELECT user_id,chat_state,reason,since_ms FROM agent_states");
    for (int i = 0; i < PQntuples(states.get()); ++i)
      snap.agent_states.push_back(
          {pg_text(states.get(), i, 0), chat::AgentState{static_cast<chat::ChannelState>(pg_int(states.get(), i, 1)),
                                                         pg_text(states.get(), i, 2), pg_int(states.get(), i, 3)}});
    auto services = conn.exec("SELECT name FROM services ORDER BY name");
    for (int i = 0; i < PQntuples(services.get()); ++i) snap.services.push_back({pg_text(services.get(), i, 0)});
    auto sup = conn.exec("SELECT supervisor_id,agent_id,mode,scope,nickname,since_ms FROM supervisions");
    for (int i = 0; i < PQntuples(sup.get()); ++i)
      snap.supervisions.push_back({pg_text(sup.get(), i, 0), pg_text(sup.get(), i, 1),
                                   static_cast<chat::SupervisionMode>(pg_int(sup.get(), i, 2)),
                                   static_cast<chat::MonitoringScope>(pg_int(sup.get(), i, 3)),
                                   pg_text(sup.get(), i, 4), pg_int(sup.get(), i, 5)});
    auto chats = conn.exec("SELECT body FROM chats WHERE live ORDER BY id");
    std::unordered_map<std::string, std::size_t> index;
    for (int i = 0; i < PQntuples(chats.get()); ++i) {
      snap.live_chats.push_back(decode_chat(pg_text(chats.get(), i, 0)));
      index.emplace(snap.live_chats.back().id, snap.live_chats.size() - 1);
    }
    chats.reset();
    // Every live chat's log in one query, row by row so the whole log is never held twice.
    if (!PQsendQuery(conn.handle(),
                     "SELECT l.chat_id, l.body FROM log_items l JOIN chats c ON c.id = l.chat_id WHERE c.live "
                     "ORDER BY l.chat_id, l.seq") ||
        !PQsetSingleRowMode(conn.handle()))
      throw PgError(std::string("cannot read the live chats' logs: ") + PQerrorMessage(conn.handle()));
    std::string failure;
    while (PGresult* raw = PQgetResult(conn.handle())) {
      PgResult r(raw);
      const auto status = PQresultStatus(r.get());
      if (status == PGRES_SINGLE_TUPLE) {
        auto it = index.find(pg_text(r.get(), 0, 0));
        if (it != index.end()) snap.live_chats[it->second].log.push_back(decode_item(pg_text(r.get(), 0, 1)));
      } else if (status != PGRES_TUPLES_OK) {
        failure = PQresultErrorMessage(r.get());
      }
    }
    if (!failure.empty()) throw PgError("cannot read the live chats' logs: " + failure);
    conn.exec("COMMIT");
    return snap;
  });
}

std::optional<chat::AgentState> PgStore::load_agent_state(const std::string& user_id) {
  return readers_->with([&](PgConn& conn) -> std::optional<chat::AgentState> {
    auto r = conn.exec("SELECT chat_state,reason,since_ms FROM agent_states WHERE user_id=$1", {user_id});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return chat::AgentState{static_cast<chat::ChannelState>(pg_int(r.get(), 0, 0)), pg_text(r.get(), 0, 1),
                            pg_int(r.get(), 0, 2)};
  });
}

std::optional<chat::Chat> PgStore::load_chat(const std::string& chat_id) {
  return readers_->with([&](PgConn& conn) -> std::optional<chat::Chat> {
    auto r = conn.exec("SELECT body FROM chats WHERE id=$1", {chat_id});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return chat_with_log(conn, pg_text(r.get(), 0, 0));
  });
}

std::vector<chat::Chat> PgStore::load_finished_chats(const std::string& user_id, std::size_t limit) {
  return readers_->with([&](PgConn& conn) {
    auto r = conn.exec(
        "SELECT c.body FROM chat_members m JOIN chats c ON c.id = m.chat_id WHERE m.user_id=$1 AND NOT c.live "
        "ORDER BY m.received_ms DESC LIMIT $2",
        {user_id, static_cast<std::int64_t>(limit)});
    std::vector<chat::Chat> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(decode_chat(pg_text(r.get(), i, 0)));
    return out;
  });
}

std::optional<std::string> PgStore::load_file(const std::string& chat_id, const std::string& file_id) {
  return readers_->with([&](PgConn& conn) -> std::optional<std::string> {
    auto r = conn.exec("SELECT content FROM files WHERE chat_id=$1 AND id=$2", {chat_id, file_id});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return pg_bytes(r.get(), 0, 0);
  });
}

void PgStore::submit(Batch batch, CommitCallback done) {
  if (auto refused = queue_.push({std::move(batch), std::move(done)}))
    refused->done(make_error_code(StoreError::Stopped));
}

void PgStore::stop() {
  queue_.stop();
  if (thread_.joinable()) thread_.join();
}

void PgStore::run_writer() {
  for (;;) {
    std::deque<CommitQueue::Pending> group = queue_.take_all();
    if (group.empty()) return;  // stopping with nothing left to commit
    std::optional<WriteFence> fence;
    {
      std::lock_guard lock(fence_mutex_);
      fence = fence_;
    }
    const auto started = std::chrono::steady_clock::now();
    // Whole operations per pipeline: an operation's records are never split across two.
    std::size_t first = 0;
    while (first < group.size()) {
      std::size_t last = first, statements = 0;
      Writer::Outcome outcome;
      try {
        if (fence) writer_->send_fence(*fence);
        while (last < group.size() && (last == first || statements < kStatementsPerPipeline)) {
          for (const auto& record : group[last].batch) statements += writer_->send(record);
          ++last;
        }
        outcome = writer_->finish();
      } catch (const std::exception& e) {
        outcome = {false, false, e.what()};
        // The statements could not even be sent: fail at least the first operation, so the
        // loop moves on, and wait a little before trying the connection again.
        if (last == first) last = first + 1;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        try {
          writer_->conn.reconnect();
          writer_->setup();
        } catch (const std::exception& again) {
          spdlog::error("store: cannot reconnect to PostgreSQL: {}", again.what());
        }
      }
      if (!outcome.ok) {
        spdlog::error("store: commit of {} operations failed: {}", last - first, outcome.error);
        if (outcome.fence_lost && fence_lost_) fence_lost_();
      }
      const std::error_code result = outcome.ok ? std::error_code{} : make_error_code(StoreError::Unavailable);
      writable_ = outcome.ok;  // before the callbacks: what they answer may be checked at once
      for (std::size_t i = first; i < last; ++i) group[i].done(result);
      auto& metrics = Metrics::global();
      metrics.count("parley_store_commits_total", outcome.ok ? "result=\"ok\"" : "result=\"failed\"");
      metrics.count("parley_store_operations_total", "", last - first);
      first = last;
    }
    Metrics::global().observe("parley_store_commit_seconds",
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
}

}  // namespace parley::store
