// Token buckets: a burst is served, then the steady rate; the wait is said in whole seconds.
#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, ServesTheBurstThenTheRate) {
  RateLimiter limiter(10, 20);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(limiter.take("a", t0)) << i;
  auto wait = limiter.take("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  EXPECT_FALSE(limiter.take("b", t0)) << "another key has its own bucket";
  EXPECT_FALSE(limiter.take("a", t0 + 100ms)) << "a token back after 1/rate";
  EXPECT_TRUE(limiter.take("a", t0 + 100ms));
}

TEST(RateLimiter, ZeroMeansUnlimited) {
  RateLimiter limiter(0, 0);
  for (int i = 0; i < 10000; ++i) EXPECT_FALSE(limiter.take("a"));
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

TEST(RateLimiter, SlowRatesAnswerLongerWaits) {
  RateLimiter chats(5.0 / 60.0, 5);  // five a minute
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(chats.take("x", t0));
  auto wait = chats.take("x", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 12);
}

TEST(RateLimiter, MemoryIsBoundedByForgettingRefilledBuckets) {
  RateLimiter limiter(1000, 1, 100);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i) (void)limiter.take("k" + std::to_string(i), t0 + std::chrono::milliseconds(i * 10));
  EXPECT_LE(limiter.tracked_keys(), 100u);
}

}  // namespace
}  // namespace parley::http
