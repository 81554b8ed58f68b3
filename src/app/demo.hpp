#pragma once
// `--demo`: the users and the chat service a first run needs, created only when absent.
#include "gws/accounts.hpp"
#include "store/store.hpp"

namespace parley::app {

inline constexpr const char* kDemoService = "customer-support";

// Stores what is missing and adds it to `accounts`; throws if the store refuses.
void seed_demo(store::Store& store, gws::Accounts& accounts, const store::Snapshot& snapshot);

}  // namespace parley::app
