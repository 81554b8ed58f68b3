// Backups through SQLite's online backup API: taken while the store is being written,
// checked before a restore replaces anything.
#include "store/sqlite_backup.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/sqlite_store.hpp"

namespace parley::store {
namespace {

namespace fs = std::filesystem;

struct SqliteBackupTest : ::testing::Test {
  fs::path dir = fs::temp_directory_path() /
                 ("parley-backup-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { fs::remove_all(dir); fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  std::string data(const char* name) const { return (dir / name).string(); }
  std::string db(const char* name) const { return (dir / name / "parley.db").string(); }
};

chat::User user(const std::string& name) {
  chat::User u;
  u.id = name + std::string(32 - name.size(), '0');
  u.user_name = name;
  u.roles = {chat::Role::Agent};
  u.password_hash = "$argon2id$x";
  return u;
}

TEST_F(SqliteBackupTest, ABackupOfALiveStoreRestoresWhatWasCommittedBeforeIt) {
  SqliteStore live({data("live"), Durability::Disk});
  Batch before;
  before.push_back(PutUser{user("agent1")});
  before.push_back(PutService{{"customer-support"}});
  ASSERT_FALSE(live.submit_and_wait(std::move(before)));

  const auto summary = backup_database(db("live"), (dir / "copy.db").string());
  EXPECT_EQ(summary.users, 1);
  EXPECT_GT(summary.bytes, 0);
  EXPECT_FALSE(fs::exists(dir / ".copy.db.partial"));

  Batch after;
  after.push_back(PutUser{user("agent2")});
  ASSERT_FALSE(live.submit_and_wait(std::move(after)));

  const auto restored = restore_database((dir / "copy.db").string(), db("restored"));
  EXPECT_EQ(restored.users, 1);
  SqliteStore reopened({data("restored"), Durability::Disk});
  const auto snap = reopened.load();
  ASSERT_EQ(snap.users.size(), 1u);
  EXPECT_EQ(snap.users[0].user_name, "agent1");
  ASSERT_EQ(snap.services.size(), 1u);
}

TEST_F(SqliteBackupTest, RestoreRefusesSomethingThatIsNotAParleyStoreAndLeavesTheOldOneAlone) {
  {
    SqliteStore store({data("live"), Durability::Disk});
    Batch b;
    b.push_back(PutUser{user("agent1")});
    ASSERT_FALSE(store.submit_and_wait(std::move(b)));
  }
  std::ofstream(dir / "garbage.db") << "this is not a database at all, just some words in a file";
  EXPECT_THROW(restore_database((dir / "garbage.db").string(), db("live")), std::exception);
  EXPECT_THROW(restore_database((dir / "missing.db").string(), db("live")), std::exception);

  SqliteStore reopened({data("live"), Durability::Disk});
  EXPECT_EQ(reopened.load().users.size(), 1u);
}

TEST_F(SqliteBackupTest, BackupOfAMissingStoreFails) {
  EXPECT_THROW(backup_database(db("nothing"), (dir / "copy.db").string()), std::runtime_error);
  EXPECT_FALSE(fs::exists(dir / "copy.db"));
}

}  // namespace
}  // namespace parley::store
