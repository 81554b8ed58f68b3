// Randomized check of the visibility rule (supervision.md, Visibility) on the domain and the
// renderers every channel uses: thousands of random operation sequences (customer and agent
// messages, typing, consultations, conferences, transfers, leaves, supervisors joining,
// switching and speaking, restarts), and after each step
// (a) the customer's view holds nothing outside the customer audience, with dense indexes,
// (b) every audience can read everything inside it, in log order, with dense indexes, and
// (c) a restart (encode, decode, restore — or, with PARLEY_TEST_PG_URL set, a commit to and a
//     read back from a real PostgreSQL store) changes nothing any audience sees, and
// (d) what the push renderer (ChatNotifier) delivers to each agent and supervisor is exactly
//     their REST view item for item, and push plus a REST gap-fill gives the whole view.
#include <gtest/gtest.h>

#include <random>

#include "chat/visibility.hpp"
#include "customer/envelope.hpp"
#include "desk_fixture.hpp"
#include "bayeux/endpoint.hpp"
#include "gws/chat_notifier.hpp"
#include "gws/chat_views.hpp"
#include "store/chat_codec.hpp"
#include "store/pg_conn.hpp"
#include "store/pg_store.hpp"

namespace parley::chat {
namespace {

struct Expectation {
  std::string text;
  bool secret;  // must never reach the customer
};

// The push renderer needs an endpoint to exist; nothing is published in these tests.
bayeux::Endpoint& unused_endpoint() {
  static boost::asio::io_context io;
  static ManualClock clock;
  static bayeux::Endpoint endpoint(io.get_executor(), clock, bayeux::EngineOptions{}, nullptr, "/unused");
  return endpoint;
}

struct RandomRun : testing::DeskFixture {
  gws::ChatNotifier notifier{unused_endpoint(), "http://h"};
  std::map<std::string, std::map<std::int64_t, std::string>> pushed;  // user -> index -> message
  std::mt19937 rng;
  std::string id;
  std::vector<Expectation> sent;
  std::set<std::string> secrets;
  int counter = 0;
  explicit RandomRun(unsigned seed) : rng(seed) {
    for (const char* sup : {"s1", "s2"}) {
      users.users[sup] = UserInfo{std::string("sup_") + sup, 3, true};
      agents.start_session(sup, {"chat"});
    }
    ready("a1");
    ready("a2");
    ready("a3");
    id = new_chat("");
    if (Participant* p = of(id, "a1"); p && p->state == ParticipantState::Invited) accept(id, "a1");
    else if (Participant* q = of(id, "a2"); q && q->state == ParticipantState::Invited) accept(id, "a2");
    else if (Participant* r = of(id, "a3"); r && r->state == ParticipantState::Invited) accept(id, "a3");
  }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
  std::vector<Participant*> present_agents() {
    std::vector<Participant*> out;
    for (auto& p : chat(id).participants)
      if (p.role == ParticipantRole::Agent && p.present()) out.push_back(&p);
    return out;
  }

  void step() {
    Chat& c = chat(id);
    auto agents_in = present_agents();
    const int op = pick(11);
    if (op <= 2 && !agents_in.empty()) {
      Participant& me = *agents_in[pick(static_cast<int>(agents_in.size()))];
      const bool to_agents = pick(2) == 0;
      const std::string operation = to_agents ? "SendToAgents" : "SendMessage";
      const std::string text = "m" + std::to_string(++counter);
      if (desk.authorize(me.user_id, id, operation)) {
        const bool secret = to_agents || me.visibility != Visibility::All;
        ASSERT_TRUE(desk.send(c, me, ItemType::Text, to_agents ? Visibility::Agents : Visibility::All, text));
        sent.push_back({text, secret});
        if (secret) secrets.insert(text);
      }
    } else if (op == 3) {
      const std::string text = "c" + std::to_string(++counter);
      if (desk.customer_send(c, text, "")) sent.push_back({text, false});
    } else if (op == 4 && !agents_in.empty()) {
      // Consult or invite someone not in the chat, who accepts at once.
      Participant& me = *agents_in[0];
      for (const char* target : {"a1", "a2", "a3"}) {
        Participant* p = c.participant_of_user(target);
        if (p && (p->present() || p->state == ParticipantState::Invited)) continue;
        const std::string operation = pick(2) ? "Consult" : "Invite";
        if (!desk.authorize(me.user_id, id, operation)) break;
        ASSERT_TRUE(desk.invite(c, me, target, 1, operation == "Consult" ? OfferKind::Consult : OfferKind::Invite));
        if (pick(4)) accept(id, target);
        else ASSERT_TRUE(desk.reject(c, *c.participant_of_user(target)));
        break;
      }
    } else if (op == 5 && agents_in.size() > 1) {
      // Promote a consultant.
      for (Participant* p : agents_in)
        if (p->visibility == Visibility::Agents && desk.authorize(agents_in[0]->user_id, id, "Invite")) {
          ASSERT_TRUE(desk.invite(c, *agents_in[0], p->user_id, 2, OfferKind::Invite));
          break;
        }
    } else if (op == 6 && !agents_in.empty()) {
      Participant& me = *agents_in[pick(static_cast<int>(agents_in.size()))];
      if (desk.authorize(me.user_id, id, "SendStartTypingNotification"))
        ASSERT_TRUE(desk.send(c, me, ItemType::TypingStarted, Visibility::All, ""));
    } else if (op == 7 && agents_in.size() > 1) {
      Participant& me = *agents_in.back();
      if (desk.authorize(me.user_id, id, "Leave")) ASSERT_TRUE(desk.leave(c, me, {}));
    } else if (op == 8) {
      restart();
    } else if (op == 10 && !agents_in.empty() && pick(3) == 0) {
      // Transfer to an agent not in the chat, who accepts or rejects.
      Participant& me = *agents_in[0];
      for (const char* target : {"a1", "a2", "a3"}) {
        Participant* p = c.participant_of_user(target);
        if ((p && (p->present() || p->state == ParticipantState::Invited)) || !desk.authorize(me.user_id, id, "Transfer"))
          continue;
        ASSERT_TRUE(desk.transfer_to_user(c, me, target, 3, {}));
        if (pick(3)) accept(id, target);
        else ASSERT_TRUE(desk.reject(c, *c.participant_of_user(target)));
        break;
      }
    } else if (op == 10) {
      if (!agents_in.empty()) supervise_step(c, agents_in);
    } else if (op == 9 && pick(8) == 0) {
      ASSERT_TRUE(desk.customer_disconnect(c));
    }
  }

  // Supervisors: join through a supervised agent, switch modes, whisper or speak.
  void supervise_step(Chat& c, const std::vector<Participant*>& agents_in) {
    const std::string sup = pick(2) ? "s1" : "s2";
    Participant* me = c.participant_of_user(sup);
    if (!me || !me->present()) {
      Supervision s{sup, agents_in[0]->user_id, static_cast<SupervisionMode>(pick(3)), MonitoringScope::AllChats, "", 0};
      ASSERT_TRUE(desk.supervise(s, true));
      return;
    }
    const int what = pick(3);
    if (what == 0) {
      const auto mode = static_cast<SupervisionMode>(pick(3));
      const char* op = mode == SupervisionMode::Monitor ? "SwitchToMonitor" : mode == SupervisionMode::Coach ? "SwitchToCoach" : "SwitchToBargeIn";
      if (desk.authorize(sup, id, op)) ASSERT_TRUE(desk.switch_mode(c, *me, mode));
    } else {
      const bool to_agents = what == 1;
      const std::string text = "s" + std::to_string(++counter);
      if (desk.authorize(sup, id, to_agents ? "SendToAgents" : "SendMessage")) {
        const bool secret = to_agents || me->visibility != Visibility::All;
        ASSERT_TRUE(desk.send(c, *me, ItemType::Text, to_agents ? Visibility::Agents : Visibility::All, text));
        sent.push_back({text, secret});
        if (secret) secrets.insert(text);
      }
    }
  }

  // What the notifier would push after the last step, kept per recipient by index.
  void collect_pushes() {
    desk.take_changes();
    gws::PendingNotices notices;
    notifier.render(chat(id), 0, notices);
    for (const auto& n : notices) {
      auto v = boost::json::parse(*n.message);
      const auto& data = v.at("data").as_object();
      if (data.at("messageType") != "MessageLogUpdated") continue;
      for (const auto& m : data.at("messages").as_array())
        pushed[n.user_id][m.at("index").as_int64()] = boost::json::serialize(m);
    }
  }

  void check_pushes() {
    const Chat& c = chat(id);
    for (const auto& [user, items] : pushed) {
      const Participant* p = c.participant_of_user(user);
      ASSERT_NE(p, nullptr);
      const auto view = gws::messages_json(c, audience_of(*p), 1, "http://h");
      std::int64_t contiguous = 0;
      for (const auto& [index, text] : items) {
        ASSERT_LE(index, static_cast<std::int64_t>(view.size())) << user << " was pushed an index past its view";
        ASSERT_EQ(text, boost::json::serialize(view[static_cast<std::size_t>(index - 1)]))
            << user << " was pushed something other than its own view at index " << index;
        if (index == contiguous + 1) contiguous = index;
      }
      // A client that lost its session fills the gap from the first index it lacks.
      const auto gap = gws::messages_json(c, audience_of(*p), contiguous + 1, "http://h");
      ASSERT_EQ(static_cast<std::size_t>(contiguous) + gap.size(), view.size());
    }
  }

  // When set, restarts go through this store: what is new is committed, then the chat is read
  // back the way a node loads it after a crash or a takeover.
  store::Store* backing = nullptr;
  std::size_t stored_items = 0;

  void restart() {
    const Chat before = chat(id);
    Chat copy;
    if (backing) {
      store::Batch batch;
      batch.push_back(store::PutChat{store::header_of(before)});
      store::AppendItems items{before.id, {}};
      for (std::size_t i = stored_items; i < before.log.size(); ++i) items.items.push_back(before.log[i]);
      if (!items.items.empty()) batch.push_back(std::move(items));
      ASSERT_FALSE(backing->submit_and_wait(std::move(batch)));
      stored_items = before.log.size();
      auto loaded = backing->load_chat(before.id);
      ASSERT_TRUE(loaded.has_value());
      copy = std::move(*loaded);
      copy.stored_items = copy.log.size();
    } else {
      copy = store::decode_chat(store::encode_chat(before));
      for (const auto& item : before.log) copy.log.push_back(store::decode_item(store::encode_item(item)));
    }
    desk.restore(std::move(copy));
    notifier.prime(chat(id));  // sessions do not survive a restart: clients re-read from REST
    for (auto a : {Audience::Customer, Audience::Agent, Audience::Supervisor}) {
      ASSERT_EQ(gws::messages_json(before, a, 1, "http://h"), gws::messages_json(chat(id), a, 1, "http://h"));
    }
  }

  void check(bool full) {
    const Chat& c = chat(id);
    // (a) the customer: the API's own rendering and the domain's filter agree and are clean.
    const auto customer = customer::customer_messages(c, 1);
    std::int64_t expected = 1;
    for (const auto& m : customer) {
      ASSERT_EQ(m.at("index").as_int64(), expected++) << "customer index not dense";
      ASSERT_FALSE(secrets.count(std::string(m.at("text").as_string()))) << "a message for agents reached the customer";
    }
    for (const auto& item : c.log)
      if (item.from_visibility != Visibility::All && item.type != ItemType::ParticipantJoined &&
          item.type != ItemType::ParticipantRejoined)
        ASSERT_FALSE(item.audience & bit(Audience::Customer)) << "an item of a hidden participant reaches the customer";
    // Replaying what the customer saw of supervisors: a join only from BargeIn, a leave only
    // of someone they saw join, anything else only from a supervisor they can see.
    std::set<std::string> barged_in;
    for (const LogItem* item : visible_items(c, Audience::Customer)) {
      if (item->from_role != ParticipantRole::Supervisor) continue;
      const ItemType shown = item->shown_as[0];
      if (shown == ItemType::ParticipantJoined) {
        ASSERT_EQ(item->from_visibility, Visibility::All) << "the customer sees a hidden supervisor join";
        ASSERT_TRUE(barged_in.insert(item->from).second) << "the customer sees a supervisor join twice";
      } else if (shown == ItemType::ParticipantLeft) {
        ASSERT_EQ(barged_in.erase(item->from), 1u) << "the customer sees a supervisor leave who never joined";
      } else {
        ASSERT_TRUE(barged_in.count(item->from)) << "the customer gets an item from a hidden supervisor";
      }
    }
    for (const Participant* p : visible_participants(c, Audience::Agent))
      ASSERT_NE(p->visibility, Visibility::Supervisors) << "agents see a monitoring supervisor";
    for (const Participant* p : visible_participants(c, Audience::Customer))
      ASSERT_EQ(p->visibility, Visibility::All) << "the customer sees a hidden participant";
    if (!full) return;
    // (b) every audience reads all of its items, dense.
    for (auto a : {Audience::Customer, Audience::Agent, Audience::Supervisor}) {
      const auto all = gws::messages_json(c, a, 1, "http://h");
      ASSERT_EQ(static_cast<std::int64_t>(all.size()), c.counts[static_cast<std::size_t>(a)]);
      for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].at("index").as_int64(), static_cast<std::int64_t>(i + 1));
      // Gap-fill from any index returns exactly the tail.
      const auto from = static_cast<std::int64_t>(all.size() / 2 + 1);
      ASSERT_EQ(gws::messages_json(c, a, from, "http://h").size(), all.size() - static_cast<std::size_t>(from - 1));
    }
    std::set<std::string> agent_texts;
    for (const auto& m : gws::messages_json(c, Audience::Agent, 1, "http://h"))
      if (m.as_object().contains("text")) agent_texts.insert(std::string(m.at("text").as_string()));
    for (const auto& s : sent) ASSERT_TRUE(agent_texts.count(s.text)) << "agents lost " << s.text;
  }
};

int env_int(const char* name, int fallback) { return std::getenv(name) ? std::atoi(std::getenv(name)) : fallback; }

void run_sequences(int sequences, store::Store* backing, store::PgConn* cleaner) {
  const unsigned base = ::testing::UnitTest::GetInstance()->random_seed();
  for (int n = 0; n < sequences; ++n) {
    const unsigned seed = base * 1000003u + static_cast<unsigned>(n);
    SCOPED_TRACE("replay with --gtest_random_seed and sequence seed " + std::to_string(seed));
    RandomRun run(seed);
    if (backing) {
      // Each sequence's desk numbers its chats afresh: forget the last one's rows.
      cleaner->exec("DELETE FROM log_items WHERE chat_id = $1", {run.id});
      cleaner->exec("DELETE FROM chats WHERE id = $1", {run.id});
      run.backing = backing;
    }
    run.notifier.prime(run.chat(run.id));
    for (int i = 0; i < 40 && !run.chat(run.id).ended(); ++i) {
      ASSERT_NO_FATAL_FAILURE(run.step());
      run.collect_pushes();
      ASSERT_NO_FATAL_FAILURE(run.check(i % 8 == 7));
    }
    ASSERT_NO_FATAL_FAILURE(run.check(true));
    ASSERT_NO_FATAL_FAILURE(run.check_pushes());
  }
}

TEST(VisibilityRandom, NoRecipientSeesOutsideItsAudience) {
  run_sequences(env_int("PARLEY_RANDOM_SEQUENCES", 10000), nullptr, nullptr);
}

// The same sequences with every restart through PostgreSQL (the cluster's store): what a
// node loads after a takeover shows each audience exactly what it showed before.
TEST(VisibilityRandom, NoRecipientSeesOutsideItsAudienceThroughPostgres) {
  const char* url = std::getenv("PARLEY_TEST_PG_URL");
  if (!url) GTEST_SKIP() << "set PARLEY_TEST_PG_URL=postgres://... (a scratch database) to run";
  store::PgStore pg(store::PgStoreOptions{url, store::Durability::Process});
  store::PgConn cleaner(url);
  run_sequences(env_int("PARLEY_RANDOM_SEQUENCES_PG", 1000), &pg, &cleaner);
  pg.stop();
}

}  // namespace
}  // namespace parley::chat
