#include "app/users_cli.hpp"

#include <iostream>
#include <sstream>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "gws/passwords.hpp"
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

}  // namespace

int run_user_command(const UserCommand& cmd) {
  store::SqliteStore db({cmd.data_dir, store::Durability::Disk});
  const auto snap = db.load();

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

}  // namespace parley::app
