#include "store/pg_schema.hpp"

#include <spdlog/spdlog.h>

#include "store/pg_conn.hpp"

namespace parley::store {

const std::vector<Migration>& pg_migrations() {
  // The tables mirror the SQLite store's (chats and log items as JSON text, see chat_codec),
  // so both stores keep one replayer each and the same meaning.
  static const std::vector<Migration> migrations = {
      {1, "tables of record",
       R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY, user_name TEXT NOT NULL UNIQUE, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
  email TEXT NOT NULL, roles TEXT NOT NULL, enabled BOOLEAN NOT NULL, features TEXT NOT NULL,
  chat_capacity INTEGER NOT NULL, password_hash TEXT NOT NULL);
CREATE TABLE http_sessions (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf_token TEXT NOT NULL,
  created_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL);
CREATE INDEX http_sessions_user ON http_sessions(user_id);
CREATE TABLE agent_states (
  user_id TEXT PRIMARY KEY, chat_state INTEGER NOT NULL, reason TEXT NOT NULL, since_ms BIGINT NOT NULL);
CREATE TABLE services (name TEXT PRIMARY KEY);
CREATE TABLE chats (id TEXT PRIMARY KEY, live BOOLEAN NOT NULL, body TEXT NOT NULL);
CREATE INDEX chats_live ON chats(live) WHERE live;
CREATE TABLE log_items (
  chat_id TEXT NOT NULL, seq BIGINT NOT NULL, audience INTEGER NOT NULL,
  customer_index BIGINT NOT NULL, agent_index BIGINT NOT NULL, supervisor_index BIGINT NOT NULL,
  body TEXT NOT NULL, PRIMARY KEY (chat_id, seq));
CREATE TABLE supervisions (supervisor_id TEXT NOT NULL, agent_id TEXT NOT NULL, mode INTEGER NOT NULL,
  scope INTEGER NOT NULL, nickname TEXT NOT NULL, since_ms BIGINT NOT NULL, PRIMARY KEY (agent_id, supervisor_id));
CREATE TABLE chat_members (user_id TEXT NOT NULL, chat_id TEXT NOT NULL, received_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, chat_id));
CREATE TABLE files (chat_id TEXT NOT NULL, id TEXT NOT NULL, content BYTEA NOT NULL, PRIMARY KEY (chat_id, id));
)sql"},
      {2, "the desk lease and the write fence",
       R"sql(
-- One row per lease: who holds it, its epoch (raised at every change of holder) and until when.
-- Times are the database's clock, so the nodes' clocks need not agree.
CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch BIGINT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL);
-- Every commit of a lease holder starts with this: a node that lost its lease (expired, taken
-- over) cannot write any more, even if it has not noticed yet.
CREATE FUNCTION parley_fence(lease TEXT, node TEXT, lease_epoch BIGINT) RETURNS VOID AS $$
BEGIN
  PERFORM 1 FROM leases WHERE name = lease AND holder = node AND epoch = lease_epoch AND expires_at > now()
    FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'lease % is not held by % (epoch %)', lease, node, lease_epoch USING ERRCODE = 'P0001';
  END IF;
END $$ LANGUAGE plpgsql;
)sql"},
  };
  return migrations;
}

int schema_version(PgConn& conn) {
  auto exists = conn.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (pg_text(exists.get(), 0, 0) != "t") return 0;
  auto r = conn.exec("SELECT COALESCE(max(version), 0) FROM schema_migrations");
  return static_cast<int>(pg_int(r.get(), 0, 0));
}

MigrationReport migrate(PgConn& conn) {
  MigrationReport report;
  conn.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), what TEXT NOT NULL)");
  report.from = schema_version(conn);
  report.to = report.from;
  if (report.from > pg_migrations().back().version)
    throw PgError("the database is at schema version " + std::to_string(report.from) +
                  ", newer than this Parley knows (" + std::to_string(pg_migrations().back().version) +
                  "): run the newer version");
  for (const auto& m : pg_migrations()) {
    conn.exec("BEGIN");
    try {
      // Nodes starting at once: the second waits here, then sees the version applied.
      conn.exec("SELECT pg_advisory_xact_lock(7291)");
      auto done = conn.exec("SELECT 1 FROM schema_migrations WHERE version = $1", {std::int64_t{m.version}});
      if (PQntuples(done.get()) == 0) {
        conn.exec(m.sql);
        conn.exec("INSERT INTO schema_migrations(version, what) VALUES ($1, $2)", {std::int64_t{m.version}, m.what});
        spdlog::info("store: schema migration {} applied ({})", m.version, m.what);
      }
      conn.exec("COMMIT");
    } catch (...) {
      PgResult(PQexec(conn.handle(), "ROLLBACK"));
      throw;
    }
    report.to = std::max(report.to, m.version);
  }
  return report;
}

}  // namespace parley::store
