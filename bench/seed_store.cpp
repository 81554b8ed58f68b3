// Fills a data directory with chats for the recovery-time measurement (docs/reliability.md):
// LIVE chats in progress and ENDED finished ones, each with MESSAGES messages, made by the real
// desk (so logs, indexes and participants are what the server writes) and stored through the
// real SqliteStore in batches.
//   seed_store DATA_DIR LIVE ENDED MESSAGES
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "chat/desk.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace parley;
using namespace parley::chat;

struct SeedUsers : UserLookup {
  std::map<std::string, UserInfo> users;
  std::optional<UserInfo> user(const std::string& id) const override {
    auto it = users.find(id);
    if (it == users.end()) return std::nullopt;
    return it->second;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: seed_store DATA_DIR LIVE ENDED MESSAGES\n");
    return 2;
  }
  const std::string dir = argv[1];
  const long live = std::atol(argv[2]), ended = std::atol(argv[3]), messages = std::atol(argv[4]);
  const auto started = std::chrono::steady_clock::now();

  store::SqliteStore store({dir, store::Durability::Process});
  SystemClock clock;
  AgentStates agents(clock);
  SeedUsers users;
  DeskOptions options;
  Desk desk(clock, agents, users, options);
  desk.add_service("customer-support");

  // Agents with room for every chat, stored as users so the server knows them.
  constexpr int kAgents = 100;
  store::Batch setup;
  setup.push_back(store::PutService{{"customer-support"}});
  for (int i = 0; i < kAgents; ++i) {
    char id[33];
    std::snprintf(id, sizeof id, "5eed%028d", i);
    User u;
    u.id = id;
    u.user_name = "seed-agent-" + std::to_string(i);
    u.first_name = "Seed";
    u.last_name = std::to_string(i);
    u.roles = {Role::Agent};
    u.chat_capacity = 1000;
    u.password_hash = "-";  // cannot log in
    setup.push_back(store::PutUser{u});
    users.users[id] = UserInfo{u.user_name, 1000, true};
    (void)agents.start_session(id, {"chat"});
    (void)agents.set_ready(id);
  }
  if (auto ec = store.submit_and_wait(std::move(setup))) {
    std::fprintf(stderr, "seed: %s\n", ec.message().c_str());
    return 1;
  }
  for (const auto& [id, info] : users.users) desk.agent_availability_changed(id);

  long items = 0;
  store::Batch batch;
  auto flush = [&] {
    auto changes = desk.take_changes();
    for (const auto& id : changes.chats) {
      Chat* c = desk.find(id);
      store::AppendItems append{c->id, {}};
      for (std::size_t i = c->stored_items; i < c->log.size(); ++i) append.items.push_back(c->log[i]);
      items += static_cast<long>(append.items.size());
      c->stored_items = c->log.size();
      batch.push_back(store::PutChat{store::header_of(*c)});
      batch.push_back(std::move(append));
    }
    if (auto ec = store.submit_and_wait(std::move(batch))) {
      std::fprintf(stderr, "seed: %s\n", ec.message().c_str());
      std::exit(1);
    }
    batch.clear();
    // Finished chats are not needed in memory any more.
    for (const auto& id : changes.chats)
      if (const Chat* c = desk.find(id); c && c->ended()) desk.drop(id);
  };

  const long total = live + ended;
  for (long n = 0; n < total; ++n) {
    auto id = desk.request_chat(NewChat{"customer-support", "Customer " + std::to_string(n), "Seeded", "", "", {}});
    if (!id) return 1;
    Chat& chat = *desk.find(*id);
    Participant* offer = nullptr;
    for (auto& p : chat.participants)
      if (p.state == ParticipantState::Invited) offer = &p;
    if (!offer) {
      std::fprintf(stderr, "seed: no agent was offered chat %ld\n", n);
      return 1;
    }
    const std::string agent = offer->user_id;
    (void)desk.accept(chat, *offer, "");
    for (long m = 0; m < messages; ++m) {
      Chat& c = *desk.find(*id);
      const std::string text = "message " + std::to_string(m) + " of chat " + std::to_string(n);
      if (m % 2 == 0) {
        (void)desk.customer_send(c, text, "");
      } else {
        auto [ch, me] = *desk.find_for(agent, *id);
        (void)desk.send(*ch, *me, ItemType::Text, Visibility::All, text);
      }
    }
    if (n >= live) {
      auto [ch, me] = *desk.find_for(agent, *id);
      (void)desk.complete(*ch, *me, {});
    }
    if (n % 200 == 199) flush();
  }
  flush();
  store.stop();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("seeded %s: %ld live chats, %ld ended chats, %ld log items in %.1f s\n", dir.c_str(), live, ended, items,
              seconds);
  return 0;
}
