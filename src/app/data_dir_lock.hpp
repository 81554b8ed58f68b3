#pragma once
// One server per data directory: `parley serve` holds an exclusive lock on
// <data_dir>/parley.lock for its lifetime, so a second server (or a restore) on the same
// store fails at once with a clear message instead of corrupting it. The kernel releases the
// lock when the process ends, however it ends.
#include <string>

namespace parley::app {

class DataDirLock {
 public:
  // Throws std::runtime_error naming the directory when another process holds the lock.
  explicit DataDirLock(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace parley::app
