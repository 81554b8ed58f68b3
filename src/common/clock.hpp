#pragma once
// Time as the domain sees it: milliseconds since the epoch from an injected clock, so
// tests drive timers without sleeping.
#include <chrono>
#include <cstdint>

namespace parley {

using TimeMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start = 1'700'000'000'000) : now_(start) {}
  TimeMs now_ms() const override { return now_; }
  void advance(TimeMs ms) { now_ += ms; }

 private:
  TimeMs now_;
};

}  // namespace parley
