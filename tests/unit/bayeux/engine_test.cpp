#include "bayeux/engine.hpp"

#include <gtest/gtest.h>

namespace parley::bayeux {
namespace {

struct CountingWaiter : Waiter {
  int wakes = 0;
  void wake() override { ++wakes; }
};

json::value parse(const std::string& s) { return json::parse(s); }

struct EngineTest : ::testing::Test {
  ManualClock clock;
  EngineOptions options() {
    EngineOptions o;
    o.hold_ms = 25'000;
    o.max_interval_ms = 10'000;
    o.max_queue_messages = 5;
    o.max_queue_bytes = 10'000;
    o.max_sessions_per_user = 3;
    return o;
  }
  Engine engine{clock, options()};
  Identity agent{"u1", true};

  BatchOutcome send(const std::string& batch, const Identity& who, std::shared_ptr<Waiter> waiter = nullptr) {
    return engine.process(json::parse(batch).as_array(), who, waiter);
  }
  std::string handshake(bool ack = false, const Identity* who = nullptr) {
    auto out = send(ack ? R"([{"channel":"/meta/handshake","id":"1","ext":{"ack":true}}])"
                        : R"([{"channel":"/meta/handshake","id":"1"}])",
                    who ? *who : agent);
    auto reply = parse(out.replies.at(0)).as_object();
    EXPECT_TRUE(reply.at("successful").as_bool()) << out.replies.at(0);
    return std::string(reply.at("clientId").as_string());
  }
  BatchOutcome connect(const std::string& id, std::shared_ptr<Waiter> waiter, const std::string& ext = "") {
    return send(R"([{"channel":"/meta/connect","clientId":")" + id + R"(","id":"c")" + ext + "}]", agent, waiter);
  }
  void subscribe(const std::string& id, const std::string& pattern) {
    auto out = send(R"([{"channel":"/meta/subscribe","clientId":")" + id + R"(","subscription":")" + pattern + R"("}])",
                    agent);
    ASSERT_TRUE(parse(out.replies.at(0)).at("successful").as_bool()) << out.replies.at(0);
  }
  Bytes msg(const std::string& text) { return make_message("/v2/me/channels", R"({"n":")" + text + R"("})"); }
};

TEST_F(EngineTest, HandshakeNeedsAUserAndAnsweresTheAdvice) {
  auto refused = send(R"([{"channel":"/meta/handshake","id":"7"}])", Identity{"", true});
  auto r = parse(refused.replies.at(0)).as_object();
  EXPECT_FALSE(r.at("successful").as_bool());
  EXPECT_EQ(r.at("error"), "403::Access denied");
  EXPECT_EQ(r.at("advice").at("reconnect"), "none");
  EXPECT_EQ(r.at("id"), "7");

  auto bad_origin = send(R"([{"channel":"/meta/handshake"}])", Identity{"u1", false});
  EXPECT_FALSE(parse(bad_origin.replies.at(0)).at("successful").as_bool());

  auto ok = send(R"([{"channel":"/meta/handshake","id":"8"}])", agent);
  auto h = parse(ok.replies.at(0)).as_object();
  EXPECT_TRUE(h.at("successful").as_bool());
  EXPECT_EQ(h.at("supportedConnectionTypes"), json::parse(R"(["websocket","long-polling"])"));
  EXPECT_EQ(h.at("advice").at("reconnect"), "retry");
  EXPECT_EQ(h.at("advice").at("timeout").as_int64(), 25'000);
  EXPECT_GE(h.at("clientId").as_string().size(), 32u);
}

TEST_F(EngineTest, FirstConnectIsAnsweredAtOnceLaterOnesAreHeldUntilAMessage) {
  auto id = handshake();
  subscribe(id, "/v2/me/*");
  auto waiter = std::make_shared<CountingWaiter>();
  auto first = connect(id, waiter);
  EXPECT_FALSE(first.held);
  ASSERT_EQ(first.replies.size(), 1u);

  auto second = connect(id, waiter);
  ASSERT_TRUE(second.held);
  EXPECT_TRUE(second.replies.empty());
  EXPECT_EQ(waiter->wakes, 0);

  EXPECT_EQ(engine.deliver("u1", "/v2/me/channels", msg("a")), 1u);
  EXPECT_EQ(waiter->wakes, 1);
  auto done = engine.complete_connect(*second.held);
  ASSERT_EQ(done.size(), 2u);  // the message, then the connect reply
  EXPECT_EQ(parse(done[0]).at("data").at("n"), "a");
  EXPECT_EQ(parse(done[1]).at("channel"), "/meta/connect");
  EXPECT_EQ(parse(done[1]).at("id"), "c");
}

TEST_F(EngineTest, HeldConnectWithNothingToSendCompletesEmpty) {
  auto id = handshake();
  auto waiter = std::make_shared<CountingWaiter>();
  connect(id, waiter);
  auto held = connect(id, waiter);
  ASSERT_TRUE(held.held);
  auto done = engine.complete_connect(*held.held);  // the transport's hold time passed
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(parse(done[0]).at("successful").as_bool());
}

TEST_F(EngineTest, ASecondConnectCompletesTheFirstEmpty) {
  auto id = handshake();
  subscribe(id, "/v2/me/*");
  auto w1 = std::make_shared<CountingWaiter>();
  auto w2 = std::make_shared<CountingWaiter>();
  connect(id, w1);
  auto a = connect(id, w1);
  ASSERT_TRUE(a.held);
  auto b = connect(id, w2);
  ASSERT_TRUE(b.held);
  EXPECT_EQ(w1->wakes, 1);
  engine.deliver("u1", "/v2/me/channels", msg("x"));
  EXPECT_EQ(engine.complete_connect(*a.held).size(), 1u);  // superseded: no messages
  EXPECT_EQ(engine.complete_connect(*b.held).size(), 2u);  // the live connect gets the message
}

TEST_F(EngineTest, DeliveryFollowsSubscriptionsAndUser) {
  auto id = handshake();
  auto other = Identity{"u2", true};
  auto id2 = handshake(false, &other);
  subscribe(id, "/v2/me/chats");
  EXPECT_EQ(engine.deliver("u1", "/v2/me/channels", msg("no")), 0u);
  EXPECT_EQ(engine.deliver("u1", "/v2/me/chats", msg("yes")), 1u);
  EXPECT_EQ(engine.deliver("u3", "/v2/me/chats", msg("nobody")), 0u);
  auto out = connect(id, std::make_shared<CountingWaiter>());
  ASSERT_EQ(out.replies.size(), 2u);
  EXPECT_EQ(parse(out.replies[0]).at("data").at("n"), "yes");
  (void)id2;
}

TEST_F(EngineTest, SubscriptionRules) {
  auto id = handshake();
  for (const char* ok : {"/v2/me/*", "/v2/me/**", "/**", "/v2/me/channels", "/service/chatV2/x"}) subscribe(id, ok);
  for (const char* forbidden : {"/v2/users/x", "/v2/other"}) {
    auto out = send(R"([{"channel":"/meta/subscribe","clientId":")" + id + R"(","subscription":")" + forbidden + R"("}])",
                    agent);
    auto r = parse(out.replies.at(0));
    EXPECT_FALSE(r.at("successful").as_bool()) << forbidden;
    EXPECT_EQ(r.at("error"), "403::Forbidden");
    EXPECT_EQ(r.at("subscription"), forbidden);
  }
  auto publish = send(R"([{"channel":"/v2/me/channels","clientId":")" + id + R"(","data":{}}])", agent);
  EXPECT_EQ(parse(publish.replies.at(0)).at("error"), "403::Forbidden");
}

TEST_F(EngineTest, UnknownClientIsToldToHandshake) {
  auto out = connect("nope", nullptr);
  auto r = parse(out.replies.at(0));
  EXPECT_FALSE(r.at("successful").as_bool());
  EXPECT_EQ(r.at("error"), "402::Unknown client");
  EXPECT_EQ(r.at("advice").at("reconnect"), "handshake");
}

TEST_F(EngineTest, AckExtensionResendsUnacknowledgedBatchesInOrder) {
  auto id = handshake(true);
  subscribe(id, "/v2/me/*");
  auto waiter = std::make_shared<CountingWaiter>();
  auto first = connect(id, waiter, R"(,"ext":{"ack":0})");
  EXPECT_EQ(parse(first.replies.back()).at("ext").at("ack").as_int64(), 1);

  engine.deliver("u1", "/v2/me/channels", msg("m1"));
  auto batch2 = connect(id, waiter, R"(,"ext":{"ack":1})");
  ASSERT_EQ(batch2.replies.size(), 2u);
  EXPECT_EQ(parse(batch2.replies[1]).at("ext").at("ack").as_int64(), 2);

  // The client never got batch 2: it acks 1 again. m1 comes back, then m2 after it.
  engine.deliver("u1", "/v2/me/channels", msg("m2"));
  auto again = connect(id, waiter, R"(,"ext":{"ack":1})");
  ASSERT_EQ(again.replies.size(), 3u);
  EXPECT_EQ(parse(again.replies[0]).at("data").at("n"), "m1");
  EXPECT_EQ(parse(again.replies[1]).at("data").at("n"), "m2");
  const auto batch3 = parse(again.replies[2]).at("ext").at("ack").as_int64();

  // Acknowledged: nothing is sent twice.
  auto acked = connect(id, waiter, R"(,"ext":{"ack":)" + std::to_string(batch3) + "}");
  EXPECT_TRUE(acked.held);
}

TEST_F(EngineTest, QueueOverflowClosesTheSession) {
  auto id = handshake();
  subscribe(id, "/v2/me/*");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(engine.deliver("u1", "/v2/me/channels", msg(std::to_string(i))), 1u);
  EXPECT_EQ(engine.overflow_closes(), 0u);
  EXPECT_EQ(engine.deliver("u1", "/v2/me/channels", msg("overflow")), 0u);
  EXPECT_EQ(engine.session_count(), 0u);
  EXPECT_EQ(engine.overflow_closes(), 1u);  // operators see the drop in /metrics
  auto r = parse(connect(id, nullptr).replies.at(0));
  EXPECT_EQ(r.at("error"), "402::Unknown client");
}

TEST_F(EngineTest, SessionsAreCountedByTheTransportOfTheirLastConnect) {
  auto a = handshake();
  auto b = handshake();
  EXPECT_EQ(engine.sessions_by_transport(), (std::map<std::string, std::size_t>{{"none", 2}}));
  send(R"([{"channel":"/meta/connect","clientId":")" + a + R"(","connectionType":"websocket"}])", agent);
  send(R"([{"channel":"/meta/connect","clientId":")" + b + R"(","connectionType":"long-polling"}])", agent);
  EXPECT_EQ(engine.sessions_by_transport(),
            (std::map<std::string, std::size_t>{{"long-polling", 1}, {"websocket", 1}}));
  // A client that falls back from websocket to long-polling moves with its next connect.
  send(R"([{"channel":"/meta/connect","clientId":")" + a + R"(","connectionType":"long-polling"}])", agent);
  EXPECT_EQ(engine.sessions_by_transport(), (std::map<std::string, std::size_t>{{"long-polling", 2}}));
}

TEST_F(EngineTest, QueueByteBoundClosesTheSession) {
  auto id = handshake();
  subscribe(id, "/v2/me/*");
  auto big = make_message("/v2/me/channels", "\"" + std::string(9'000, 'x') + "\"");
  EXPECT_EQ(engine.deliver("u1", "/v2/me/channels", big), 1u);
  EXPECT_EQ(engine.deliver("u1", "/v2/me/channels", big), 0u);
  EXPECT_EQ(engine.session_count(), 0u);
}

TEST_F(EngineTest, SessionsExpireAfterMaxIntervalWithoutConnect) {
  auto id = handshake();
  auto waiter = std::make_shared<CountingWaiter>();
  connect(id, waiter);
  clock.advance(9'000);
  EXPECT_TRUE(engine.expire_idle().empty());
  auto held = connect(id, waiter);  // a held connect keeps the session alive
  clock.advance(60'000);
  EXPECT_TRUE(engine.expire_idle().empty());
  engine.complete_connect(*held.held);
  clock.advance(10'001);
  EXPECT_EQ(engine.expire_idle(), std::vector<std::string>{id});
  EXPECT_FALSE(engine.user_has_session("u1"));
}

TEST_F(EngineTest, PerUserSessionCapEvictsTheOldest) {
  auto a = handshake();
  handshake();
  handshake();
  handshake();
  EXPECT_EQ(engine.session_count(), 3u);
  EXPECT_EQ(parse(connect(a, nullptr).replies.at(0)).at("error"), "402::Unknown client");
}

TEST_F(EngineTest, CloseUserEndsEverySessionAndWakesHeldConnects) {
  auto id = handshake();
  auto waiter = std::make_shared<CountingWaiter>();
  connect(id, waiter);
  auto held = connect(id, waiter);
  engine.close_user("u1");
  EXPECT_EQ(waiter->wakes, 1);
  EXPECT_EQ(parse(engine.complete_connect(*held.held).at(0)).at("error"), "402::Unknown client");
}

TEST_F(EngineTest, DisconnectRemovesTheSession) {
  auto id = handshake();
  auto out = send(R"([{"channel":"/meta/disconnect","clientId":")" + id + R"("}])", agent);
  EXPECT_TRUE(parse(out.replies.at(0)).at("successful").as_bool());
  EXPECT_EQ(engine.session_count(), 0u);
}

TEST_F(EngineTest, ServiceChannelsGoToTheirHandler) {
  struct Echo : ServiceHandler {
    std::string last;
    Result on_publish(const std::string& client, const std::string& channel, const json::object& m) override {
      last = channel;
      return {};
    }
  } handler;
  engine.set_service_handler("/service/chatV2/", &handler);
  auto id = handshake();
  auto out = send(R"([{"channel":"/service/chatV2/customer-support","clientId":")" + id + R"(","data":{}}])", agent);
  EXPECT_TRUE(parse(out.replies.at(0)).at("successful").as_bool());
  EXPECT_EQ(handler.last, "/service/chatV2/customer-support");
  EXPECT_TRUE(engine.deliver_to_session(id, msg("to you")));
}

TEST_F(EngineTest, GarbageInABatchGetsErrorsNotCrashes) {
  auto id = handshake();
  auto out = send(R"([1, "x", {"channel":5}, {"channel":"/meta/bogus"}, {}])", agent);
  EXPECT_EQ(out.replies.size(), 5u);
  for (const auto& r : out.replies) EXPECT_FALSE(parse(r).at("successful").as_bool()) << r;
  (void)id;
}

}  // namespace
}  // namespace parley::bayeux
