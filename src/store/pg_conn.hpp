#pragma once
// Thin RAII over libpq: a connection, results that free themselves, and errors that carry
// PostgreSQL's own message. Parameters are sent as text (binary where a value is bytes).
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

struct PgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct PgResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultFree>;

// One statement parameter: text, bytes (sent binary, for bytea) or SQL NULL.
// Text is referenced, not copied: the referenced string must outlive the call.
struct PgParam {
  PgParam(std::string_view text) : text(text) {}
  PgParam(const std::string& text) : text(text) {}
  PgParam(const char* text) : text(text) {}
  PgParam(std::int64_t n) : number(std::to_string(n)), is_number(true) {}
  static PgParam bytes(std::string_view b) {
    PgParam p(b);
    p.binary = true;
    return p;
  }
  std::string_view view() const { return is_number ? std::string_view(number) : text; }
  std::string_view text;
  std::string number;
  bool is_number = false;
  bool binary = false;
};

class PgConn {
 public:
  // `url`: a libpq connection string or postgres:// URL. Throws PgError if it cannot connect.
  explicit PgConn(const std::string& url);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Runs one statement (or several without parameters); throws on failure.
  PgResult exec(const std::string& sql, const std::vector<PgParam>& params = {});
  void prepare(const std::string& name, const std::string& sql);
  // True when the server connection is gone (the next use should reconnect()).
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  void reconnect();
  PGconn* handle() const { return conn_; }

 private:
  std::string url_;
  PGconn* conn_ = nullptr;
};

// Sends a prepared statement with parameters (for pipelines).
void pg_send_prepared(PGconn* conn, const std::string& name, const std::vector<PgParam>& params);

std::string pg_text(const PGresult* r, int row, int column);
std::int64_t pg_int(const PGresult* r, int row, int column);
// A bytea column read in text form (\x hex), decoded.
std::string pg_bytes(const PGresult* r, int row, int column);

// The URL with its password replaced, for logs and messages.
std::string redact_url(const std::string& url);

}  // namespace parley::store
