#pragma once
// Token buckets keyed by who is asking (an address, a user): each key may make `per_second`
// requests a second on average and `burst` at once. A greedy client is answered 429 with
// Retry-After instead of taking the server from everyone else. Thread-safe; memory is
// bounded (idle keys are forgotten once full buckets, and the table has a size cap).
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace parley::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_second <= 0: unlimited.
  RateLimiter(double per_second, double burst, std::size_t max_keys = 100'000)
      : rate_(per_second), burst_(burst), max_keys_(max_keys) {}

  // One request by `key` now: nothing when allowed, else the seconds to wait (>= 1).
  std::optional<int> take(const std::string& key, Clock::time_point now = Clock::now());
  bool enabled() const { return rate_ > 0; }
  std::size_t tracked_keys() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void forget_full_buckets(Clock::time_point now);

  double rate_, burst_;
  std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace parley::http
