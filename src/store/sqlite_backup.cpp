#include "store/sqlite_backup.hpp"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "store/sqlite_db.hpp"

namespace parley::store {
namespace fs = std::filesystem;

namespace {

// Copies `from` into `to` a few hundred pages at a time, so a running server's writer is
// held up for at most one step; if it writes meanwhile, SQLite restarts the copy.
void copy_database(SqliteDb& from, SqliteDb& to) {
  sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (!backup) throw std::runtime_error(std::string("backup: ") + sqlite3_errmsg(to.handle()));
  int rc;
  do {
    rc = sqlite3_backup_step(backup, 512);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) throw std::runtime_error(std::string("backup: ") + sqlite3_errstr(rc));
}

std::int64_t count(SqliteDb& db, const char* table) {
  SqliteStmt q(db, (std::string("SELECT count(*) FROM ") + table).c_str());
  return q.step() ? q.integer(0) : 0;
}

// Refuses anything that is not a whole Parley store: a damaged file or some other database.
BackupSummary check_store(SqliteDb& db, const std::string& name) {
  SqliteStmt check(db, "PRAGMA integrity_check");
  if (!check.step() || check.text(0) != "ok") throw std::runtime_error(name + " is damaged: " + check.text(0));
  SqliteStmt version(db, "SELECT value FROM meta WHERE key='schema_version'");
  if (!version.step()) throw std::runtime_error(name + " is not a Parley store");
  BackupSummary summary;
  summary.users = count(db, "users");
  summary.chats = count(db, "chats");
  summary.messages = count(db, "log_items");
  return summary;
}

std::string temporary_beside(const fs::path& file) {
  return (file.parent_path() / ("." + file.filename().string() + ".partial")).string();
}

}  // namespace

BackupSummary backup_database(const std::string& db_path, const std::string& destination) {
  if (!fs::exists(db_path)) throw std::runtime_error("no store at " + db_path);
  const std::string partial = temporary_beside(fs::absolute(destination));
  fs::remove(partial);
  BackupSummary summary;
  {
    SqliteDb from(db_path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    sqlite3_busy_timeout(from.handle(), 5000);
    SqliteDb to(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    copy_database(from, to);
    // A backup is one self-contained file: no write-ahead log beside it.
    to.exec("PRAGMA journal_mode=DELETE");
    summary = check_store(to, destination);
  }
  fs::rename(partial, destination);
  summary.bytes = static_cast<std::int64_t>(fs::file_size(destination));
  return summary;
}

BackupSummary restore_database(const std::string& backup_path, const std::string& db_path) {
  if (!fs::exists(backup_path)) throw std::runtime_error("no backup at " + backup_path);
  BackupSummary summary;
  const std::string partial = temporary_beside(fs::absolute(db_path));
  fs::create_directories(fs::absolute(db_path).parent_path());
  fs::remove(partial);
  {
    SqliteDb from(backup_path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    summary = check_store(from, backup_path);
    SqliteDb to(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    copy_database(from, to);
    to.exec("PRAGMA journal_mode=WAL");
  }
  // The old store's log must not be replayed over the restored file.
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(db_path + suffix);
  fs::remove(partial + "-wal");
  fs::remove(partial + "-shm");
  fs::rename(partial, db_path);
  summary.bytes = static_cast<std::int64_t>(fs::file_size(db_path));
  return summary;
}

}  // namespace parley::store
