#pragma once
// A desk with three agents, a fake clock and the customer-support service, for domain tests.
#include <map>

#include "chat/desk.hpp"

namespace parley::chat::testing {

struct FakeUsers : UserLookup {
  std::map<std::string, UserInfo> users;
  std::optional<UserInfo> user(const std::string& id) const override {
    auto it = users.find(id);
    if (it == users.end()) return std::nullopt;
    return it->second;
  }
};

struct DeskFixture {
  ManualClock clock;
  AgentStates agents{clock};
  FakeUsers users;
  DeskOptions options;
  Desk desk{clock, agents, users, options};

  DeskFixture() {
    for (const char* id : {"a1", "a2", "a3"}) users.users[id] = UserInfo{std::string("agent_") + id, 3, true};
    desk.add_service("customer-support");
  }
  void ready(const std::string& user) {
    agents.start_session(user, {"chat"});
    agents.set_ready(user);
    desk.agent_availability_changed(user);
  }
  std::string new_chat(const std::string& first_message = "hello") {
    NewChat c{"customer-support", "Jane", "Billing", "jane@example.com", first_message, {}};
    return *desk.request_chat(c);
  }
  Chat& chat(const std::string& id) { return *desk.find(id); }
  Participant* of(const std::string& chat_id, const std::string& user) { return chat(chat_id).participant_of_user(user); }
  void accept(const std::string& chat_id, const std::string& user) {
    auto found = desk.authorize(user, chat_id, "Accept");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(desk.accept(*found->first, *found->second, ""));
  }
};

}  // namespace parley::chat::testing
