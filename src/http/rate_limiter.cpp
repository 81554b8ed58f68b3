#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace parley::http {

std::optional<int> RateLimiter::take(const std::string& key, Clock::time_point now) {
  if (rate_ <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= max_keys_) forget_full_buckets(now);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate_)));
}

void RateLimiter::forget_full_buckets(Clock::time_point now) {
  // A bucket that has refilled says nothing about its key any more.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * rate_ >= burst_) it = buckets_.erase(it);
    else ++it;
  }
  // Still full of busy keys (a flood from very many addresses): start over rather than grow.
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

std::size_t RateLimiter::tracked_keys() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace parley::http
