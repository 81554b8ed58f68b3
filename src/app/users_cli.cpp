#include "app/users_cli.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <sstream>

#include "common/clock.hpp"
#include "common/host_name.hpp"
#include "common/random.hpp"
#include "gws/passwords.hpp"
#include "store/pg_lease.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"

namespace parley::app {
namespace {

std::optional<chat::User> find(const store::Snapshot& snap, const std::string& name) {
  for (const auto& u : snap.users)
    if (u.user_name == name) return u;
  return std::nullopt;
}

std::string read_password(const UserCommand& cmd) {
  if (!cmd.password.empty()) return cmd.password;
  std::string line;
  std::getline(std::cin, line);
  return line;
}

int fail(const std::string& message) {
  std::cerr << "parley users: " << message << "\n";
  return 1;
}

int save(store::Store& db, const chat::User& user, const char* what) {
  if (auto ec = db.submit_and_wait({store::PutUser{user}})) return fail(ec.message());
  std::cout << what << " " << user.user_name << "\n";
  return 0;
}

// The command itself, on whichever store holds the accounts.
int apply(const UserCommand& cmd, store::Store& db, const store::Snapshot& snap) {
  if (cmd.action == "list") {
    for (const auto& u : snap.users) {
      std::string roles;
      for (auto r : u.roles) roles += (roles.empty() ? "" : ",") + std::string(chat::role_name(r));
      std::cout << u.user_name << "\t" << u.id << "\t" << roles << "\t" << (u.enabled ? "enabled" : "disabled") << "\n";
    }
    return 0;
  }

  auto existing = find(snap, cmd.user_name);
  if (cmd.action == "add") {
    if (existing) return fail("user " + cmd.user_name + " already exists");
    if (!chat::valid_user_name(cmd.user_name)) return fail("user names are 1-64 letters, digits or . _ - @");
    chat::User u;
    u.id = random_hex_id();
    u.user_name = cmd.user_name;
    u.first_name = cmd.first_name;
    u.last_name = cmd.last_name;
    u.email_address = cmd.email;
    u.roles.clear();
    std::stringstream in(cmd.roles);
    std::string name;
    while (std::getline(in, name, ',')) {
      auto r = chat::parse_role(name);
      if (!r) return fail("unknown role " + name + " (ROLE_AGENT, ROLE_SUPERVISOR, ROLE_ADMIN)");
      u.roles.push_back(*r);
    }
    if (u.roles.empty()) return fail("give at least one role");
    const auto password = read_password(cmd);
    if (password.empty()) return fail("the password must not be empty");
    u.password_hash = gws::hash_password(password);
    return save(db, u, "added");
  }
  if (!existing) return fail("no user named " + cmd.user_name);
  if (cmd.action == "passwd") {
    const auto password = read_password(cmd);
    if (password.empty()) return fail("the password must not be empty");
    existing->password_hash = gws::hash_password(password);
    if (auto ec = db.submit_and_wait({store::PutUser{*existing}, store::DeleteUserSessions{existing->id}}))
      return fail(ec.message());
    std::cout << "changed the password of " << existing->user_name << "\n";
    return 0;
  }
  if (cmd.action == "disable") {
    existing->enabled = false;
    if (auto ec = db.submit_and_wait({store::PutUser{*existing}, store::DeleteUserSessions{existing->id}}))
      return fail(ec.message());
    std::cout << "disabled " << existing->user_name << "\n";
    return 0;
  }
  return fail("unknown action " + cmd.action);
}

// In a cluster the node holding the desk keeps the accounts in memory and is the only writer,
// so a change made behind its back would be lost or overwritten. Changes are therefore made
// only while no node holds the desk, under the desk lease itself: nodes starting meanwhile
// wait for it, and the writes are fenced by it exactly like a node's. Listing needs no lease.
int run_on_postgres(const UserCommand& given) {
  store::PgStore db({given.store_url, store::Durability::Disk});
  if (given.action == "list") return apply(given, db, db.load());
  const std::string me = "parley-users@" + host_name() + ":" + std::to_string(::getpid());
  // Long enough to load a large store under it; handed back as soon as the command ends, so
  // only a command killed midway makes starting nodes wait for the expiry.
  store::PgLease lease(given.store_url, store::kDeskLease, me, std::chrono::seconds(60));
  auto refuse = [&lease] {
    const auto holder = lease.current();
    return fail("node " + (holder ? holder->holder : std::string("?")) +
                " holds the desk of this store (the cluster is running): change users through the users API of "
                "any node (/api/v2/users, as an admin), or stop every node first");
  };
  // Refused before asking for a password; a password typed at the prompt is read before the
  // lease is taken, so nodes never wait on a person typing.
  if (const auto holder = lease.current(); holder && holder->live) return refuse();
  UserCommand cmd = given;
  if ((cmd.action == "add" || cmd.action == "passwd") && cmd.password.empty()) cmd.password = read_password(given);
  const auto epoch = lease.try_acquire();
  if (!epoch) return refuse();
  // Handed back however the command ends (a failed write, a lost connection), after the
  // store has finished writing.
  struct HandBack {
    store::PgStore& db;
    store::PgLease& lease;
    std::int64_t epoch;
    ~HandBack() {
      db.stop();
      try {
        lease.release(epoch);
      } catch (const std::exception&) {
        // It expires on its own.
      }
    }
  } hand_back{db, lease, *epoch};
  db.set_fence(store::WriteFence{store::kDeskLease, me, *epoch});
  return apply(cmd, db, db.load());  // loaded under the lease: nothing changes it meanwhile
}

}  // namespace

int run_user_command(const UserCommand& cmd) {
  if (!cmd.store_url.empty()) return run_on_postgres(cmd);
  store::SqliteStore db({cmd.data_dir, store::Durability::Disk});
  return apply(cmd, db, db.load());
}

}  // namespace parley::app
