// The PostgreSQL store and the desk lease against a real server: set PARLEY_TEST_PG_URL to a
// scratch database (scripts/pg-throwaway.sh starts one); skipped otherwise. Every test starts
// from empty tables.
#include "store/pg_store.hpp"

#include <gtest/gtest.h>

#include "sample_records.hpp"

#include <cstdlib>
#include <thread>

#include "store/pg_conn.hpp"
#include "store/pg_lease.hpp"
#include "store/pg_schema.hpp"

namespace parley::store {
namespace {

struct PgStoreTest : ::testing::Test {
  std::string url;
  void SetUp() override {
    const char* env = std::getenv("PARLEY_TEST_PG_URL");
    if (!env) GTEST_SKIP() << "set PARLEY_TEST_PG_URL=postgres://... (a scratch database) to run";
    url = env;
    PgConn conn(url);
    migrate(conn);
    conn.exec("TRUNCATE users, http_sessions, agent_states, services, chats, log_items, supervisions, chat_members, "
              "files, leases");
  }
  PgStoreOptions options() const { return {url, Durability::Disk}; }
};

using samples::sample_user;

chat::Chat sample_chat(const std::string& id, chat::ChatPhase phase) {
  chat::Chat c;
  c.id = id;
  c.service = "customer-support";
  c.received_ms = 5;
  c.phase = phase;
  chat::Participant customer;
  customer.id = "p1";
  customer.role = chat::ParticipantRole::Customer;
  customer.nickname = "Carol";
  c.participants.push_back(customer);
  chat::Participant agent;
  agent.id = "p2";
  agent.user_id = sample_user().id;
  agent.role = chat::ParticipantRole::Agent;
  c.participants.push_back(agent);
  return c;
}

chat::LogItem item(std::int64_t seq, const std::string& text) {
  chat::LogItem i;
  i.seq = seq;
  i.text = text;
  i.audience = 7;
  i.index = {seq, seq, seq};
  return i;
}

TEST_F(PgStoreTest, EverythingCommittedIsLoadedBack) {
  {
    PgStore store(options());
    Batch batch;
    batch.push_back(PutUser{sample_user()});
    batch.push_back(PutSession{{"s1", sample_user().id, "csrf", 1, 2}});
    batch.push_back(PutAgentState{{sample_user().id, chat::AgentState{chat::ChannelState::Ready, "", 7}}});
    batch.push_back(PutService{{"customer-support"}});
    batch.push_back(PutChat{sample_chat("c1", chat::ChatPhase::Active)});
    batch.push_back(AppendItems{"c1", {item(1, "hello"), item(2, "how can I help?")}});
    batch.push_back(PutChat{sample_chat("c2", chat::ChatPhase::Ended)});
    batch.push_back(PutFile{"c1", "f1", std::string("\x00\x01\xff binary", 10)});
    batch.push_back(PutSupervision{{"sup", sample_user().id, chat::SupervisionMode::Coach,
                                    chat::MonitoringScope::AllChats, "Boss", 9}});
    ASSERT_FALSE(store.submit_and_wait(std::move(batch)));
    store.stop();
  }
  PgStore reopened(options());
  auto snap = reopened.load();
  ASSERT_EQ(snap.users.size(), 1u);
  EXPECT_EQ(snap.users[0].roles, sample_user().roles);
  ASSERT_EQ(snap.sessions.size(), 1u);
  EXPECT_EQ(snap.sessions[0].csrf_token, "csrf");
  ASSERT_EQ(snap.agent_states.size(), 1u);
  EXPECT_EQ(snap.agent_states[0].state.since_ms, 7);
  ASSERT_EQ(snap.live_chats.size(), 1u);  // the ended chat is history, not live
  ASSERT_EQ(snap.live_chats[0].log.size(), 2u);
  EXPECT_EQ(snap.live_chats[0].log[1].text, "how can I help?");
  ASSERT_EQ(snap.supervisions.size(), 1u);
  EXPECT_EQ(snap.supervisions[0].mode, chat::SupervisionMode::Coach);
  EXPECT_EQ(reopened.load_file("c1", "f1"), std::string("\x00\x01\xff binary", 10));
  ASSERT_EQ(reopened.load_finished_chats(sample_user().id, 10).size(), 1u);
  EXPECT_EQ(reopened.load_chat("c1")->log.size(), 2u);
  EXPECT_FALSE(reopened.load_chat("nope").has_value());
}

TEST_F(PgStoreTest, AFailedOperationFailsAloneAndLeavesNothing) {
  PgStore store(options());
  Batch ok;
  ok.push_back(PutUser{sample_user()});
  ASSERT_FALSE(store.submit_and_wait(std::move(ok)));
  // Another id with the same user name breaks the unique constraint: the whole batch is refused.
  chat::User clash = sample_user();
  clash.id = "ffffffffffffffffffffffffffffffff";
  Batch bad;
  bad.push_back(PutService{{"never"}});
  bad.push_back(PutUser{clash});
  EXPECT_TRUE(store.submit_and_wait(std::move(bad)));
  EXPECT_FALSE(store.writable());
  Batch after;
  after.push_back(PutService{{"later"}});
  EXPECT_FALSE(store.submit_and_wait(std::move(after)));
  EXPECT_TRUE(store.writable());
  auto snap = store.load();
  ASSERT_EQ(snap.services.size(), 1u);
  EXPECT_EQ(snap.services[0].name, "later");
}

TEST_F(PgStoreTest, ManyOperationsInOneGroupAreAllCommitted) {
  PgStore store(options());
  std::atomic<int> done{0}, failed{0};
  constexpr int kOperations = 3000;  // more statements than one pipeline holds
  for (int i = 0; i < kOperations; ++i) {
    Batch b;
    b.push_back(PutService{{"svc" + std::to_string(i)}});
    store.submit(std::move(b), [&](std::error_code ec) {
      if (ec) ++failed;
      ++done;
    });
  }
  while (done < kOperations) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(store.load().services.size(), static_cast<std::size_t>(kOperations));
}

TEST_F(PgStoreTest, OneHolderAtATimeAndEachTakeoverRaisesTheEpoch) {
  PgLease a(url, "desk", "node-a", std::chrono::milliseconds(300));
  PgLease b(url, "desk", "node-b", std::chrono::milliseconds(300));
  auto first = a.try_acquire();
  ASSERT_TRUE(first);
  EXPECT_FALSE(b.try_acquire());
  EXPECT_TRUE(a.renew(*first));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // a stops renewing: it expires
  auto second = b.try_acquire();
  ASSERT_TRUE(second);
  EXPECT_GT(*second, *first);
  EXPECT_FALSE(a.renew(*first));  // too late: b holds it now
  EXPECT_EQ(b.current()->holder, "node-b");
}

TEST_F(PgStoreTest, ANodeThatLostTheLeaseCannotWrite) {
  PgLease a(url, "desk", "node-a", std::chrono::milliseconds(300));
  PgLease b(url, "desk", "node-b", std::chrono::milliseconds(5000));
  auto epoch = a.try_acquire();
  ASSERT_TRUE(epoch);
  PgStore store(options());
  bool lost = false;
  store.on_fence_lost([&] { lost = true; });
  store.set_fence(WriteFence{"desk", "node-a", *epoch});
  Batch before;
  before.push_back(PutService{{"while-holding"}});
  ASSERT_FALSE(store.submit_and_wait(std::move(before)));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_TRUE(b.try_acquire());
  Batch after;
  after.push_back(PutService{{"after-losing"}});
  EXPECT_TRUE(store.submit_and_wait(std::move(after)));
  EXPECT_TRUE(lost);
  auto snap = store.load();
  ASSERT_EQ(snap.services.size(), 1u);
  EXPECT_EQ(snap.services[0].name, "while-holding");
}

TEST_F(PgStoreTest, MigratingTwiceChangesNothing) {
  PgConn conn(url);
  auto again = migrate(conn);
  EXPECT_EQ(again.from, again.to);
  EXPECT_EQ(again.to, pg_migrations().back().version);
}

}  // namespace
}  // namespace parley::store
