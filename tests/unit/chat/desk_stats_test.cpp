// The figures the desk keeps for /metrics: counted where things happen, read at scrape time.
#include <gtest/gtest.h>

#include "chat/desk.hpp"
#include "desk_fixture.hpp"

namespace parley::chat {
namespace {

struct DeskStatsTest : ::testing::Test, testing::DeskFixture {
  const OfferCounts& routing() { return desk.counters().offers.at("routing"); }
};

TEST_F(DeskStatsTest, AnEmptyDeskReportsEveryStateAsZero) {
  const auto g = desk.gauges();
  EXPECT_EQ(g.chats_by_state.at("queued"), 0u);
  EXPECT_EQ(g.chats_by_state.at("offered"), 0u);
  EXPECT_EQ(g.chats_by_state.at("active"), 0u);
  EXPECT_EQ(g.chats_by_state.at("ended"), 0u);
  EXPECT_EQ(g.queue_length.at("customer-support"), 0u);
  EXPECT_EQ(g.supervisions_by_mode.at("Monitor"), 0u);
  EXPECT_EQ(g.agents_by_state.at("Ready"), 0u);
}

TEST_F(DeskStatsTest, QueueLengthAndOldestWaitFollowTheQueue) {
  new_chat();
  clock.advance(4'000);
  new_chat();
  clock.advance(1'000);
  auto g = desk.gauges();
  EXPECT_EQ(g.chats_by_state.at("queued"), 2u);
  EXPECT_EQ(g.queue_length.at("customer-support"), 2u);
  EXPECT_DOUBLE_EQ(g.oldest_wait_seconds.at("customer-support"), 5.0);
  EXPECT_EQ(desk.counters().chats_created, 2u);
  EXPECT_EQ(desk.counters().messages.at("customer"), 2u);  // the first messages

  ready("a1");  // capacity 3: both are offered to a1
  g = desk.gauges();
  EXPECT_EQ(g.queue_length.at("customer-support"), 0u);
  EXPECT_EQ(g.chats_by_state.at("offered"), 2u);
  EXPECT_DOUBLE_EQ(g.oldest_wait_seconds.at("customer-support"), 0.0);
  EXPECT_EQ(g.agents_by_state.at("Ready"), 1u);
}

TEST_F(DeskStatsTest, OfferOutcomesAreCountedOnceEach) {
  ready("a1");
  const auto id = new_chat();
  EXPECT_EQ(routing().made, 1u);

  auto offer = desk.authorize("a1", id, "Reject");
  ASSERT_TRUE(offer);
  ASSERT_TRUE(desk.reject(*offer->first, *offer->second));
  EXPECT_EQ(routing().rejected, 1u);
  EXPECT_EQ(routing().withdrawn, 0u);
  // Nobody else is Ready: a1 gets it again and lets it time out.
  EXPECT_EQ(routing().made, 2u);
  clock.advance(options.offer_timeout_ms + 1);
  desk.tick();
  EXPECT_EQ(routing().timed_out, 1u);
  EXPECT_EQ(desk.gauges().agents_by_state.at("NotReady"), 1u);

  clock.advance(7'000);
  ready("a2");
  accept(id, "a2");
  EXPECT_EQ(routing().accepted, 1u);
  EXPECT_EQ(routing().made, 3u);
  const auto& wait = desk.counters().queue_wait.at("customer-support");
  EXPECT_EQ(wait.count, 1u);
  EXPECT_GT(wait.sum_seconds, 0.0);
  EXPECT_EQ(desk.gauges().chats_by_state.at("active"), 1u);
}

TEST_F(DeskStatsTest, MessagesAreCountedBySender) {
  ready("a1");
  const auto id = new_chat("");
  accept(id, "a1");
  auto [chat, me] = *desk.find_for("a1", id);
  ASSERT_TRUE(desk.send(*chat, *me, ItemType::Text, Visibility::All, "hello"));
  ASSERT_TRUE(desk.send(*chat, *me, ItemType::TypingStarted, Visibility::All, ""));
  ASSERT_TRUE(desk.customer_send(*chat, "hi", ""));
  EXPECT_EQ(desk.counters().messages.at("agent"), 1u);  // typing is not a message
  EXPECT_EQ(desk.counters().messages.at("customer"), 1u);
}

TEST_F(DeskStatsTest, SupervisionsAreCountedByMode) {
  users.users["s1"] = UserInfo{"sup", 3, true};
  agents.start_session("s1", {"chat"});
  ASSERT_TRUE(desk.supervise(Supervision{"s1", "a1", SupervisionMode::Coach, MonitoringScope::AllChats, "", 0}, false));
  ASSERT_TRUE(desk.supervise(Supervision{"s1", "a2", SupervisionMode::Monitor, MonitoringScope::NextChat, "", 0}, false));
  const auto g = desk.gauges();
  EXPECT_EQ(g.supervisions_by_mode.at("Coach"), 1u);
  EXPECT_EQ(g.supervisions_by_mode.at("Monitor"), 1u);
  EXPECT_EQ(g.supervisions_by_mode.at("BargeIn"), 0u);
}

TEST(WaitHistogramTest, BucketsByUpperBound) {
  WaitHistogram h;
  h.observe(0.5);
  h.observe(1.0);   // on the bound: that bucket
  h.observe(7);
  h.observe(99999);  // beyond the last bound: +Inf
  EXPECT_EQ(h.buckets[0], 2u);
  EXPECT_EQ(h.buckets[2], 1u);
  EXPECT_EQ(h.buckets.back(), 1u);
  EXPECT_EQ(h.count, 4u);
}

}  // namespace
}  // namespace parley::chat
