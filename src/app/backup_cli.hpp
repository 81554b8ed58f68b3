#pragma once
// `parley backup FILE` (online, while the server runs) and `parley restore FILE` (server
// stopped) for the embedded SQLite store.
#include <string>

namespace parley::app {

int run_backup(const std::string& data_dir, const std::string& file);
int run_restore(const std::string& data_dir, const std::string& file, bool force);

}  // namespace parley::app
