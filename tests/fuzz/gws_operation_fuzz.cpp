// GWS operation bodies: POST /api/v2/me/chats/{id} with any JSON, performed by the agent of a
// live chat (with a consultant and a coaching supervisor in it) on the real desk. The body is
// parsed as the server parses it; the operation runs only if the caller's capabilities allow.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "chat/desk.hpp"
#include "common/json_strict.hpp"
#include "gws/chat_operations.hpp"

namespace {

using namespace parley;
using namespace parley::chat;

struct Users : UserLookup {
  std::optional<UserInfo> user(const std::string& id) const override {
    if (id == "a1" || id == "a2" || id == "a3" || id == "s1") return UserInfo{id, 3, true};
    return std::nullopt;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto body = parse_json_object(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!body) return 0;
  ManualClock clock;
  AgentStates agents(clock);
  Users users;
  Desk desk(clock, agents, users, DeskOptions{});
  desk.add_service("customer-support");
  for (const char* id : {"a1", "a2", "a3", "s1"}) (void)agents.start_session(id, {"chat"});
  (void)desk.supervise(Supervision{"s1", "a1", SupervisionMode::Coach, MonitoringScope::AllChats, "", 0}, false);
  (void)agents.set_ready("a1");
  desk.agent_availability_changed("a1");
  auto id = desk.request_chat(NewChat{"customer-support", "Jane", "Billing", "", "hello", {}});
  if (!id) return 0;
  if (auto offer = desk.authorize("a1", *id, "Accept")) (void)desk.accept(*offer->first, *offer->second, "");

  std::string op;
  if (auto it = body->find("operationName"); it != body->end() && it->value().is_string())
    op = std::string(it->value().as_string());
  if (!gws::is_chat_operation(op)) return 0;
  // The caller is picked by the first byte, so supervisors' operations are fuzzed too.
  const char* caller = (size > 0 && (data[0] & 1)) ? "s1" : "a1";
  auto found = desk.authorize(caller, *id, op);
  if (!found) return 0;
  (void)gws::perform_chat_operation(desk, *found->first, *found->second, op, *body, 1);
  (void)desk.take_changes();
  clock.advance(60'000);
  desk.tick();
  return 0;
}
