#pragma once
// The queue between operations and a store's writer thread: operations wait here until the
// writer takes everything queued at once and commits it as one group.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "store/store.hpp"

namespace parley::store {

class CommitQueue {
 public:
  struct Pending {
    Batch batch;
    CommitCallback done;
  };

  // Queues `p`, or hands it back once the queue is stopped (the caller fails it).
  std::optional<Pending> push(Pending p) {
    std::lock_guard lock(mutex_);
    if (stopping_) return p;
    queue_.push_back(std::move(p));
    wake_.notify_one();
    return std::nullopt;
  }

  // Blocks until something is queued; takes all of it. Empty only once stopped and drained.
  std::deque<Pending> take_all() {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    std::deque<Pending> group;
    group.swap(queue_);
    return group;
  }

  // Refuses further pushes; what is queued is still taken.
  void stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
};

}  // namespace parley::store
