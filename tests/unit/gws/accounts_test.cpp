#include "gws/accounts.hpp"

#include <gtest/gtest.h>

namespace parley::gws {
namespace {

chat::User user(const std::string& id, const std::string& name) {
  chat::User u;
  u.id = id;
  u.user_name = name;
  u.roles = {chat::Role::Agent};
  return u;
}

struct AccountsTest : ::testing::Test {
  ManualClock clock;
  Accounts accounts{clock, AccountsOptions{60'000, 2, 3, 30}};
  void SetUp() override { ASSERT_TRUE(accounts.put_user(user("u1", "agent1"))); }
};

TEST_F(AccountsTest, UserNamesAreUnique) {
  auto st = accounts.put_user(user("u2", "agent1"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::AlreadyExists);
  EXPECT_TRUE(accounts.put_user(user("u1", "renamed")));
  EXPECT_FALSE(accounts.find_user_by_name("agent1"));
  EXPECT_TRUE(accounts.find_user_by_name("renamed"));
}

TEST_F(AccountsTest, SessionIsFoundByTokenAndStoredByDigestOnly) {
  auto s = accounts.create_session("u1");
  std::optional<store::Record> touch;
  auto found = accounts.find_session(s.token, touch);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, "u1");
  EXPECT_NE(found->id, s.token);
  const auto& put = std::get<store::PutSession>(s.records.back());
  EXPECT_EQ(put.session.id, found->id);
  EXPECT_FALSE(accounts.find_session("not-a-token", touch));
}

TEST_F(AccountsTest, OldestSessionIsEvictedBeyondTheCap) {
  auto a = accounts.create_session("u1");
  auto b = accounts.create_session("u1");
  auto c = accounts.create_session("u1");
  std::optional<store::Record> touch;
  EXPECT_FALSE(accounts.find_session(a.token, touch));
  EXPECT_TRUE(accounts.find_session(b.token, touch));
  EXPECT_TRUE(accounts.find_session(c.token, touch));
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(std::get<store::DeleteSession>(c.records[0]).session_id, a.info.id);
}

TEST_F(AccountsTest, IdleSessionsExpire) {
  auto s = accounts.create_session("u1");
  clock.advance(59'000);
  std::optional<store::Record> touch;
  EXPECT_TRUE(accounts.find_session(s.token, touch));  // refreshes last-seen
  clock.advance(59'000);
  EXPECT_TRUE(accounts.expire_idle_sessions().empty());
  clock.advance(2'000);
  EXPECT_FALSE(accounts.find_session(s.token, touch));
  EXPECT_EQ(accounts.expire_idle_sessions().size(), 1u);
  EXPECT_EQ(accounts.session_count(), 0u);
}

TEST_F(AccountsTest, LastSeenIsWrittenAtMostOnceAMinute) {
  auto s = accounts.create_session("u1");
  std::optional<store::Record> touch;
  clock.advance(30'000);
  accounts.find_session(s.token, touch);
  EXPECT_FALSE(touch);
  clock.advance(31'000);
  accounts.find_session(s.token, touch);
  EXPECT_TRUE(touch);
}

TEST_F(AccountsTest, EndingUserSessionsRemovesThemAll) {
  auto a = accounts.create_session("u1");
  auto b = accounts.create_session("u1");
  accounts.end_user_sessions("u1");
  std::optional<store::Record> touch;
  EXPECT_FALSE(accounts.find_session(a.token, touch));
  EXPECT_FALSE(accounts.find_session(b.token, touch));
}

TEST_F(AccountsTest, FailedLoginsBlockForTheRestOfTheMinute) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(accounts.login_blocked("agent1", "10.0.0.1"));
    accounts.record_login_failure("agent1", "10.0.0.1");
  }
  auto wait = accounts.login_blocked("agent1", "10.0.0.2");
  ASSERT_TRUE(wait);
  EXPECT_GT(*wait, 0);
  EXPECT_LE(*wait, 60);
  EXPECT_FALSE(accounts.login_blocked("agent2", "10.0.0.2"));
  clock.advance(60'000);
  EXPECT_FALSE(accounts.login_blocked("agent1", "10.0.0.1"));
}

TEST_F(AccountsTest, CredentialCacheForgetsOnPasswordChange) {
  accounts.cache_credential("agent1", "pw", "u1");
  EXPECT_EQ(accounts.cached_credential("agent1", "pw"), "u1");
  EXPECT_FALSE(accounts.cached_credential("agent1", "other"));
  auto changed = *accounts.find_user("u1");
  changed.password_hash = "new";
  accounts.put_user(changed);
  EXPECT_FALSE(accounts.cached_credential("agent1", "pw"));
}

}  // namespace
}  // namespace parley::gws
