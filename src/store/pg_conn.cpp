#include "store/pg_conn.hpp"

namespace parley::store {

namespace {
std::string last_error(PGconn* conn) {
  std::string message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

struct ParamArrays {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  explicit ParamArrays(const std::vector<PgParam>& params) {
    for (const auto& p : params) {
      values.push_back(p.view().data());
      lengths.push_back(static_cast<int>(p.view().size()));
      formats.push_back(p.binary ? 1 : 0);
    }
  }
};

// Text parameters must be NUL-terminated for libpq: copy the ones that may not be.
std::vector<PgParam> terminated(const std::vector<PgParam>& params, std::vector<std::string>& storage) {
  std::vector<PgParam> out;
  storage.reserve(params.size());
  for (const auto& p : params) {
    if (p.binary) {
      out.push_back(PgParam::bytes(p.view()));
      continue;
    }
    storage.emplace_back(p.view());
    out.emplace_back(std::string_view(storage.back()));
  }
  return out;
}
}  // namespace

PgConn::PgConn(const std::string& url) : url_(url) { reconnect(); }

PgConn::~PgConn() {
  if (conn_) PQfinish(conn_);
}

void PgConn::reconnect() {
  if (conn_) PQfinish(conn_);
  // Bounded waits, so that a database that stops answering (a lost network) turns into an
  // error in seconds rather than a hang: what the lease's expiry and the fence rely on.
  // Given first, so that the URL may set its own.
  const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "1", "5", "2", "2", "5000", "parley", url_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw PgError("cannot connect to PostgreSQL at " + redact_url(url_) + ": " + last_error(conn_));
  // Notices ("relation already exists, skipping") are not for the operator's terminal.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

PgResult PgConn::exec(const std::string& sql, const std::vector<PgParam>& params) {
  PgResult r;
  if (params.empty()) {
    r.reset(PQexec(conn_, sql.c_str()));
  } else {
    std::vector<std::string> storage;
    const auto safe = terminated(params, storage);
    ParamArrays a(safe);
    r.reset(PQexecParams(conn_, sql.c_str(), static_cast<int>(safe.size()), nullptr, a.values.data(),
                         a.lengths.data(), a.formats.data(), 0));
  }
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw PgError(last_error(conn_));
  return r;
}

void PgConn::prepare(const std::string& name, const std::string& sql) {
  PgResult r(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw PgError("prepare " + name + ": " + last_error(conn_));
}

void pg_send_prepared(PGconn* conn, const std::string& name, const std::vector<PgParam>& params) {
  std::vector<std::string> storage;
  const auto safe = terminated(params, storage);
  ParamArrays a(safe);
  if (!PQsendQueryPrepared(conn, name.c_str(), static_cast<int>(safe.size()), a.values.data(), a.lengths.data(),
                           a.formats.data(), 0))
    throw PgError("send " + name + ": " + last_error(conn));
}

std::string pg_text(const PGresult* r, int row, int column) {
  return std::string(PQgetvalue(r, row, column), static_cast<std::size_t>(PQgetlength(r, row, column)));
}

std::int64_t pg_int(const PGresult* r, int row, int column) { return std::stoll(PQgetvalue(r, row, column)); }

std::string pg_bytes(const PGresult* r, int row, int column) {
  std::size_t length = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, column)), &length);
  if (!raw) throw PgError("cannot decode a bytea value");
  std::string out(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
  return out;
}

std::string redact_url(const std::string& url) {
  // postgres://user:secret@host/db -> postgres://user:***@host/db
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace parley::store
