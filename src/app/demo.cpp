#include "app/demo.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "common/random.hpp"
#include "gws/passwords.hpp"

namespace parley::app {

const std::vector<DemoUser>& demo_users() {
  using chat::Role;
  static const std::vector<DemoUser> users = {
      {"agent1", "Alice", "Agent", {Role::Agent}},
      {"agent2", "Bob", "Agent", {Role::Agent}},
      {"supervisor1", "Sam", "Supervisor", {Role::Agent, Role::Supervisor}},
      {"admin", "Ada", "Admin", {Role::Admin}},
  };
  return users;
}

void seed_demo(store::Store& store, gws::Accounts& accounts, const store::Snapshot& snapshot) {
  store::Batch batch;
  for (const auto& d : demo_users()) {
    if (accounts.find_user_by_name(d.name)) continue;
    chat::User u;
    u.id = random_hex_id();
    u.user_name = d.name;
    u.first_name = d.first;
    u.last_name = d.last;
    u.email_address = std::string(d.name) + "@example.com";
    u.roles = d.roles;
    u.password_hash = gws::hash_password(kDemoPassword);
    accounts.put_user(u);
    batch.push_back(store::PutUser{u});
    spdlog::info("demo: created user {} (password 'password')", d.name);
  }
  const bool has_service = std::any_of(snapshot.services.begin(), snapshot.services.end(),
                                       [](const auto& s) { return s.name == kDemoService; });
  if (!has_service) batch.push_back(store::PutService{{kDemoService}});
  if (batch.empty()) return;
  if (auto ec = store.submit_and_wait(std::move(batch))) throw std::runtime_error("demo set-up: " + ec.message());
}

}  // namespace parley::app
