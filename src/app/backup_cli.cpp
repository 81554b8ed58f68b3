#include "app/backup_cli.hpp"

#include <filesystem>
#include <iostream>

#include "app/data_dir_lock.hpp"
#include "store/sqlite_backup.hpp"

namespace parley::app {
namespace {

std::string store_file(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "parley.db").string();
}

void print(const char* what, const std::string& file, const store::BackupSummary& s) {
  std::cout << what << " " << file << ": " << s.users << " users, " << s.chats << " chats, " << s.messages
            << " chat events, " << s.bytes << " bytes\n";
}

}  // namespace

int run_backup(const std::string& data_dir, const std::string& file) {
  const auto summary = store::backup_database(store_file(data_dir), file);
  print("backed up to", file, summary);
  return 0;
}

int run_restore(const std::string& data_dir, const std::string& file, bool force) {
  // Holding the server's lock proves no server runs on this store while it is replaced.
  DataDirLock lock(data_dir);
  if (std::filesystem::exists(store_file(data_dir)) && !force) {
    std::cerr << "parley: " << data_dir << " already holds a store; pass --force to replace it\n";
    return 1;
  }
  const auto summary = store::restore_database(file, store_file(data_dir));
  print("restored from", file, summary);
  return 0;
}

}  // namespace parley::app
