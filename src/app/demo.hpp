#pragma once
// `--demo`: the users and the chat service a first run needs, created only when absent.
#include <vector>

#include "chat/user.hpp"
#include "gws/accounts.hpp"
#include "store/store.hpp"

namespace parley::app {

inline constexpr const char* kDemoService = "customer-support";

struct DemoUser {
  const char* name;
  const char* first;
  const char* last;
  std::vector<chat::Role> roles;
};
inline constexpr const char* kDemoPassword = "password";
const std::vector<DemoUser>& demo_users();

// Stores what is missing and adds it to `accounts`; throws if the store refuses.
void seed_demo(store::Store& store, gws::Accounts& accounts, const store::Snapshot& snapshot);

}  // namespace parley::app
