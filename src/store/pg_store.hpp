#pragma once
// The scale-out store: the same records as the SQLite store, in PostgreSQL. One writer thread
// commits everything queued since its last commit as one pipeline — every statement sent
// before any answer is read, then one sync — so a group of operations costs one round trip
// and one transaction. When a fence is set (the node holds the desk lease), every
// transaction first checks the lease, so a node that lost it can no longer write.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/commit_queue.hpp"
#include "store/store.hpp"

namespace parley::store {

class PgConn;

struct PgStoreOptions {
  std::string url;  // postgres://user@host:port/db or a libpq connection string
  Durability durability = Durability::Disk;
};

// Which lease every write must still hold.
struct WriteFence {
  std::string lease;
  std::string node;
  std::int64_t epoch = 0;
};

class PgStore final : public Store {
 public:
  // Connects and applies missing schema migrations; throws PgError when it cannot.
  explicit PgStore(PgStoreOptions options);
  ~PgStore() override;

  Snapshot load() override;
  std::optional<chat::AgentState> load_agent_state(const std::string& user_id) override;
  std::optional<chat::Chat> load_chat(const std::string& chat_id) override;
  std::optional<std::string> load_file(const std::string& chat_id, const std::string& file_id) override;
  std::vector<chat::Chat> load_finished_chats(const std::string& user_id, std::size_t limit) override;
  void submit(Batch batch, CommitCallback done) override;
  void stop() override;
  bool writable() const override { return writable_.load(); }

  void set_fence(std::optional<WriteFence> fence);
  // Called (on the writer thread) when a commit was refused because the lease is gone.
  void on_fence_lost(std::function<void()> callback) { fence_lost_ = std::move(callback); }

 private:
  class Writer;
  class ReaderPool;

  void run_writer();

  PgStoreOptions options_;
  std::unique_ptr<Writer> writer_;  // the writer thread's connection
  std::unique_ptr<ReaderPool> readers_;
  CommitQueue queue_;
  std::mutex fence_mutex_;
  std::optional<WriteFence> fence_;  // guarded by fence_mutex_
  std::atomic<bool> writable_{true};
  std::function<void()> fence_lost_;
  std::thread thread_;
};

}  // namespace parley::store
