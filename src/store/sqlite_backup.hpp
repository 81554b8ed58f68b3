#pragma once
// Copies of the embedded store through SQLite's online backup API: a backup can be taken
// while the server runs (it sees one consistent moment), and a restore replaces the store
// of a stopped server. Both write to a temporary file first and rename it into place, so a
// failure never leaves a half-written file behind. Throw std::runtime_error on failure.
#include <cstdint>
#include <string>

namespace parley::store {

struct BackupSummary {
  std::int64_t users = 0;
  std::int64_t chats = 0;
  std::int64_t messages = 0;  // log items
  std::int64_t bytes = 0;     // size of the copy
};

// Copies the database at `db_path` into `destination` (replaced if it exists).
BackupSummary backup_database(const std::string& db_path, const std::string& destination);

// Checks that `backup_path` is an intact Parley store, then makes it the database at
// `db_path` (its WAL and shared-memory files are removed). The caller makes sure no server
// has the database open.
BackupSummary restore_database(const std::string& backup_path, const std::string& db_path);

}  // namespace parley::store
