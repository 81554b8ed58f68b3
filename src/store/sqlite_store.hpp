#pragma once
// The embedded default store: one SQLite file in WAL mode under the data dir, written by
// one thread that commits everything queued since its last commit in one transaction
// (group commit), so many operations share one sync to disk.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "store/commit_queue.hpp"
#include "store/store.hpp"

namespace parley::store {

class SqliteDb;

struct SqliteStoreOptions {
  std::string data_dir;
  Durability durability = Durability::Disk;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteStoreOptions options);
  ~SqliteStore() override;

  Snapshot load() override;
  std::optional<chat::AgentState> load_agent_state(const std::string& user_id) override;
  std::optional<chat::Chat> load_chat(const std::string& chat_id) override;
  std::optional<std::string> load_file(const std::string& chat_id, const std::string& file_id) override;
  std::vector<chat::Chat> load_finished_chats(const std::string& user_id, std::size_t limit) override;
  void submit(Batch batch, CommitCallback done) override;
  void stop() override;

  std::string path() const { return path_; }
  bool writable() const override { return writable_.load(); }

 private:
  class Writer;

  void run_writer();

  std::string path_;
  std::unique_ptr<Writer> writer_;  // owned and used by the writer thread only
  CommitQueue queue_;
  std::atomic<bool> writable_{true};
  std::thread thread_;
};

}  // namespace parley::store
