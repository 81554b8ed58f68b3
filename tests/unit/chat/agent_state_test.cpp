#include "chat/agent_state.hpp"

#include <gtest/gtest.h>

namespace parley::chat {
namespace {

struct AgentStatesTest : ::testing::Test {
  ManualClock clock;
  AgentStates agents{clock};
};

TEST_F(AgentStatesTest, StartsLoggedOutAndRefusesReadyWithoutSession) {
  EXPECT_FALSE(agents.get("u1").logged_in());
  auto r = agents.set_ready("u1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::InvalidState);
}

TEST_F(AgentStatesTest, SessionStartsNotReadyThenReadyAndNotReadyWithReason) {
  auto start = agents.start_session("u1", {"chat"});
  ASSERT_TRUE(start);
  ASSERT_TRUE(start->change);
  EXPECT_EQ(start->change->state.chat, ChannelState::NotReady);
  EXPECT_TRUE(start->all_ok());

  clock.advance(1000);
  auto ready = agents.set_ready("u1");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->state.chat, ChannelState::Ready);
  EXPECT_EQ(ready->state.since_ms, clock.now_ms());

  auto lunch = agents.set_not_ready("u1", "Lunch");
  ASSERT_TRUE(lunch);
  EXPECT_EQ(agents.get("u1").chat, ChannelState::NotReady);
  EXPECT_EQ(agents.get("u1").reason, "Lunch");
}

TEST_F(AgentStatesTest, ReadyTwiceKeepsPlaceInIdleOrder) {
  ASSERT_TRUE(agents.start_session("u1", {"chat"}));
  ASSERT_TRUE(agents.set_ready("u1"));
  const TimeMs since = agents.get("u1").since_ms;
  clock.advance(5000);
  ASSERT_TRUE(agents.set_ready("u1"));
  EXPECT_EQ(agents.get("u1").since_ms, since);
}

TEST_F(AgentStatesTest, UnknownChannelsArePartialOrFailed) {
  auto partial = agents.start_session("u1", {"chat", "voice"});
  ASSERT_TRUE(partial);
  EXPECT_TRUE(partial->any_ok());
  EXPECT_FALSE(partial->all_ok());
  auto failed = agents.start_session("u2", {"voice"});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::InvalidState);
  EXPECT_FALSE(agents.get("u2").logged_in());
}

TEST_F(AgentStatesTest, SecondStartKeepsStateAndEndLogsOut) {
  ASSERT_TRUE(agents.start_session("u1", {"chat"}));
  ASSERT_TRUE(agents.set_ready("u1"));
  auto again = agents.start_session("u1", {"chat"});
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->change);
  EXPECT_EQ(agents.get("u1").chat, ChannelState::Ready);
  auto end = agents.end_session("u1");
  ASSERT_TRUE(end);
  EXPECT_FALSE(agents.get("u1").logged_in());
  EXPECT_TRUE(agents.logged_in_users().empty());
  EXPECT_FALSE(agents.end_session("u1"));
}

TEST_F(AgentStatesTest, RestorePutsBackStoredState) {
  agents.restore("u1", AgentState{ChannelState::Ready, "", 42});
  EXPECT_EQ(agents.get("u1").chat, ChannelState::Ready);
  EXPECT_EQ(agents.logged_in_users(), std::vector<std::string>{"u1"});
}

}  // namespace
}  // namespace parley::chat
