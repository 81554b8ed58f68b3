#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include "sample_records.hpp"

#include <atomic>
#include <filesystem>

namespace parley::store {
namespace {

struct SqliteStoreTest : ::testing::Test {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("parley-store-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { std::filesystem::remove_all(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  SqliteStoreOptions options() const { return {dir.string(), Durability::Disk}; }
};

using samples::sample_user;

TEST_F(SqliteStoreTest, EverythingCommittedIsThereAfterReopening) {
  {
    SqliteStore store(options());
    Batch batch;
    batch.push_back(PutUser{sample_user()});
    batch.push_back(PutSession{{"s1", sample_user().id, "csrf", 1, 2}});
    batch.push_back(PutAgentState{{sample_user().id, chat::AgentState{chat::ChannelState::Ready, "", 7}}});
    batch.push_back(PutService{{"customer-support"}});
    ASSERT_FALSE(store.submit_and_wait(std::move(batch)));
  }
  SqliteStore reopened(options());
  auto snap = reopened.load();
  ASSERT_EQ(snap.users.size(), 1u);
  EXPECT_EQ(snap.users[0].user_name, "agent1");
  EXPECT_EQ(snap.users[0].roles, sample_user().roles);
  EXPECT_EQ(snap.users[0].features, std::vector<std::string>{"api-multimedia"});
  ASSERT_EQ(snap.sessions.size(), 1u);
  EXPECT_EQ(snap.sessions[0].csrf_token, "csrf");
  ASSERT_EQ(snap.agent_states.size(), 1u);
  EXPECT_EQ(snap.agent_states[0].state.chat, chat::ChannelState::Ready);
  EXPECT_EQ(snap.agent_states[0].state.since_ms, 7);
  ASSERT_EQ(snap.services.size(), 1u);
  EXPECT_EQ(reopened.load_agent_state(sample_user().id)->chat, chat::ChannelState::Ready);
}

TEST_F(SqliteStoreTest, DeletesAreReplayedToo) {
  SqliteStore store(options());
  Batch batch;
  batch.push_back(PutUser{sample_user()});
  batch.push_back(PutSession{{"s1", sample_user().id, "c", 1, 1}});
  batch.push_back(PutSession{{"s2", sample_user().id, "c", 1, 1}});
  ASSERT_FALSE(store.submit_and_wait(std::move(batch)));
  Batch removal;
  removal.push_back(DeleteUserSessions{sample_user().id});
  removal.push_back(DeleteUser{sample_user().id});
  ASSERT_FALSE(store.submit_and_wait(std::move(removal)));
  auto snap = store.load();
  EXPECT_TRUE(snap.users.empty());
  EXPECT_TRUE(snap.sessions.empty());
}

TEST_F(SqliteStoreTest, ManySubmissionsAreAllCommittedInOrder) {
  SqliteStore store(options());
  std::atomic<int> done{0};
  for (int i = 0; i < 500; ++i) {
    Batch b;
    b.push_back(PutAgentState{{"u", chat::AgentState{chat::ChannelState::NotReady, std::to_string(i), i}}});
    store.submit(std::move(b), [&](std::error_code ec) {
      EXPECT_FALSE(ec);
      ++done;
    });
  }
  store.stop();  // drains the queue
  EXPECT_EQ(done.load(), 500);
  SqliteStore reopened(options());
  EXPECT_EQ(reopened.load_agent_state("u")->reason, "499");
}

TEST_F(SqliteStoreTest, AFailingRecordFailsItsWholeGroup) {
  SqliteStore store(options());
  auto u = sample_user();
  ASSERT_FALSE(store.submit_and_wait({PutUser{u}}));
  auto clash = sample_user();
  clash.id = "ffffffffffffffffffffffffffffffff";  // same user name: UNIQUE fails
  Batch b;
  b.push_back(PutService{{"other"}});
  b.push_back(PutUser{clash});
  EXPECT_TRUE(store.submit_and_wait(std::move(b)));
  auto snap = store.load();
  EXPECT_EQ(snap.users.size(), 1u);
  EXPECT_TRUE(snap.services.empty());  // rolled back with the failing record
}

TEST_F(SqliteStoreTest, SubmitAfterStopFails) {
  SqliteStore store(options());
  store.stop();
  EXPECT_EQ(store.submit_and_wait({PutService{{"x"}}}), make_error_code(StoreError::Stopped));
}

}  // namespace
}  // namespace parley::store
