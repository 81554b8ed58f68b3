#pragma once
// Thin RAII over the SQLite C API: a connection and prepared statements that throw
// SqliteError with SQLite's own message.
#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace parley::store {

struct SqliteError : std::runtime_error {
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
};

class SqliteDb {
 public:
  SqliteDb(const std::string& path, int flags);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const char* sql);
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStmt {
 public:
  SqliteStmt(SqliteDb& db, const char* sql);
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  SqliteStmt& bind(int index, std::string_view text);
  SqliteStmt& bind(int index, std::int64_t value);
  SqliteStmt& bind_blob(int index, std::string_view bytes);
  // Runs to completion (INSERT/UPDATE/DELETE) and resets.
  void run();
  // For queries: true while a row is available.
  bool step();
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  void reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace parley::store
