#include "chat/desk.hpp"

#include <gtest/gtest.h>

#include "chat/capabilities.hpp"
#include "chat/visibility.hpp"
#include "desk_fixture.hpp"

namespace parley::chat {
namespace {

struct DeskTest : ::testing::Test, testing::DeskFixture {};

std::vector<std::string> names(const std::vector<std::string_view>& caps) { return {caps.begin(), caps.end()}; }

TEST_F(DeskTest, ARequestedChatWaitsUntilAnAgentIsReady) {
  auto id = new_chat();
  EXPECT_EQ(chat(id).phase, ChatPhase::Queued);
  EXPECT_EQ(desk.queue_position(chat(id)), 1u);
  ready("a1");
  ASSERT_NE(of(id, "a1"), nullptr);
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Invited);
  EXPECT_EQ(of(id, "a1")->offer_expires_ms, clock.now_ms() + options.offer_timeout_ms);
  EXPECT_EQ(names(capabilities(chat(id), *of(id, "a1"))), (std::vector<std::string>{"Accept", "Reject"}));
}

TEST_F(DeskTest, LongestIdleReadyAgentGetsTheOffer) {
  ready("a2");
  clock.advance(1000);
  ready("a1");
  auto id = new_chat();
  EXPECT_NE(of(id, "a2"), nullptr);
  EXPECT_EQ(of(id, "a1"), nullptr);
}

TEST_F(DeskTest, AcceptJoinsAndCustomerSeesTheJoin) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  auto& c = chat(id);
  EXPECT_EQ(c.phase, ChatPhase::Active);
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Chatting);
  auto items = visible_items(c, Audience::Customer);
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items.back()->type, ItemType::ParticipantJoined);
  EXPECT_EQ(of(id, "a1")->customer_number, 2);
  EXPECT_EQ(names(capabilities(c, *of(id, "a1"))),
            (std::vector<std::string>{"Transfer", "Leave", "Invite", "Consult", "SetInFocus", "SetDisposition",
                                      "AttachUserData", "DeleteUserData", "UpdateUserData", "Complete", "SendMessage",
                                      "SendStartTypingNotification", "SendStopTypingNotification", "SendUrl",
                                      "SendCustomNotice", "SendNicknameUpdatedNotice"}));
}

TEST_F(DeskTest, RejectOffersToTheNextAgentAndNotBackWhileOthersAreFree) {
  ready("a1");
  ready("a2");
  auto id = new_chat();
  Participant* first = of(id, "a1");
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(desk.reject(chat(id), *first));
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Completed);
  ASSERT_NE(of(id, "a2"), nullptr);
  EXPECT_EQ(of(id, "a2")->state, ParticipantState::Invited);
}

TEST_F(DeskTest, MissedOfferSetsTheAgentNotReadyAndReoffers) {
  ready("a1");
  auto id = new_chat();
  ready("a2");
  clock.advance(options.offer_timeout_ms);
  desk.tick();
  EXPECT_EQ(agents.get("a1").chat, ChannelState::NotReady);
  EXPECT_EQ(agents.get("a1").reason, "Missed offer");
  EXPECT_EQ(of(id, "a2")->state, ParticipantState::Invited);
  auto changes = desk.take_changes();
  ASSERT_EQ(changes.agents.size(), 1u);
  EXPECT_EQ(changes.agents[0].user_id, "a1");
}

TEST_F(DeskTest, NotReadyWithdrawsPendingOffers) {
  ready("a1");
  auto id = new_chat();
  agents.set_not_ready("a1", "Lunch");
  desk.agent_availability_changed("a1");
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Completed);
  EXPECT_EQ(chat(id).phase, ChatPhase::Queued);
}

TEST_F(DeskTest, CapacityLimitsOffers) {
  users.users["a1"].capacity = 1;
  ready("a1");
  auto first = new_chat();
  auto second = new_chat();
  EXPECT_NE(of(first, "a1"), nullptr);
  EXPECT_EQ(of(second, "a1"), nullptr);
  EXPECT_EQ(desk.queue_position(chat(second)), 1u);  // the offered one left the queue
}

TEST_F(DeskTest, SendToAgentsNeverReachesTheCustomer) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  auto& c = chat(id);
  Participant& me = *of(id, "a1");
  ASSERT_TRUE(desk.send(c, me, ItemType::Text, Visibility::Agents, "internal"));
  ASSERT_TRUE(desk.send(c, me, ItemType::Text, Visibility::All, "public"));
  for (const LogItem* item : visible_items(c, Audience::Customer)) EXPECT_NE(item->text, "internal");
  const auto agent_items = visible_items(c, Audience::Agent);
  EXPECT_EQ(agent_items[agent_items.size() - 2]->text, "internal");
  // Dense indexes in each audience.
  for (auto a : {Audience::Customer, Audience::Agent, Audience::Supervisor}) {
    std::int64_t expected = 1;
    for (const LogItem* item : visible_items(c, a)) EXPECT_EQ(item->index[static_cast<std::size_t>(a)], expected++);
  }
}

TEST_F(DeskTest, ConsultantIsInvisibleToTheCustomerUntilInvited) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  users.users["a2"];
  ASSERT_TRUE(desk.invite(chat(id), *of(id, "a1"), "a2", 7, OfferKind::Consult));
  EXPECT_EQ(of(id, "a2")->state, ParticipantState::Invited);
  EXPECT_EQ(of(id, "a2")->reference_id, 7);
  accept(id, "a2");
  EXPECT_EQ(of(id, "a2")->visibility, Visibility::Agents);
  auto& c = chat(id);
  ASSERT_TRUE(desk.send(c, *of(id, "a2"), ItemType::Text, Visibility::All, "consultant says"));
  for (const LogItem* item : visible_items(c, Audience::Customer)) {
    EXPECT_NE(item->text, "consultant says");
    EXPECT_NE(item->from, of(id, "a2")->id);
  }
  EXPECT_EQ(visible_participants(c, Audience::Customer).size(), 2u);  // a1 and the customer
  auto caps = names(capabilities(c, *of(id, "a1")));
  EXPECT_EQ(caps.back(), "SendCustomNoticeToAgents");
  // Invite promotes the consultant: the customer sees a join, agents a rejoin.
  ASSERT_TRUE(desk.invite(c, *of(id, "a1"), "a2", 8, OfferKind::Invite));
  EXPECT_EQ(of(id, "a2")->visibility, Visibility::All);
  const LogItem& promoted = c.log.back();
  EXPECT_EQ(promoted.shown_as[0], ItemType::ParticipantJoined);
  EXPECT_EQ(promoted.shown_as[1], ItemType::ParticipantRejoined);
  EXPECT_EQ(visible_participants(c, Audience::Customer).size(), 3u);
}

TEST_F(DeskTest, TransferToAgentHandsOverOnAccept) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  ASSERT_TRUE(desk.transfer_to_user(chat(id), *of(id, "a1"), "a2", 5, {}));
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Chatting);  // keeps it until the target accepts
  accept(id, "a2");
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Completed);
  EXPECT_EQ(of(id, "a2")->state, ParticipantState::Chatting);
  EXPECT_FALSE(chat(id).ended());
}

TEST_F(DeskTest, RejectedTransferReportsAnErrorToTheCaller) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  desk.take_changes();
  ASSERT_TRUE(desk.transfer_to_user(chat(id), *of(id, "a1"), "a2", 5, {}));
  ASSERT_TRUE(desk.reject(chat(id), *of(id, "a2")));
  auto changes = desk.take_changes();
  ASSERT_EQ(changes.errors.size(), 1u);
  EXPECT_EQ(changes.errors[0].user_id, "a1");
  EXPECT_EQ(changes.errors[0].reference_id, 5);
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Chatting);
}

TEST_F(DeskTest, TransferToQueueRequeuesToAnotherAgentAndTheCustomerStays) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  ready("a2");
  ASSERT_TRUE(desk.transfer_to_queue(chat(id), *of(id, "a1"), "customer-support", {}));
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Completed);
  EXPECT_FALSE(chat(id).ended());
  ASSERT_NE(of(id, "a2"), nullptr);
  EXPECT_EQ(of(id, "a2")->state, ParticipantState::Invited);
}

TEST_F(DeskTest, TransferToQueueComesBackToTheSenderOnlyAsALastResort) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  ASSERT_TRUE(desk.transfer_to_queue(chat(id), *of(id, "a1"), "customer-support", {}));
  ASSERT_NE(of(id, "a1"), nullptr);
  EXPECT_EQ(of(id, "a1")->state, ParticipantState::Invited);
}

TEST_F(DeskTest, LastAgentLeavingEndsTheChat) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  ASSERT_TRUE(desk.leave(chat(id), *of(id, "a1"), {"bye", ""}));
  EXPECT_TRUE(chat(id).ended());
  EXPECT_EQ(visible_items(chat(id), Audience::Customer).back()->type, ItemType::ParticipantLeft);
}

TEST_F(DeskTest, CustomerDisconnectReducesAgentCapabilities) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  ASSERT_TRUE(desk.customer_disconnect(chat(id)));
  EXPECT_FALSE(chat(id).ended());
  EXPECT_EQ(names(capabilities(chat(id), *of(id, "a1"))),
            (std::vector<std::string>{"Leave", "Complete", "SetDisposition", "AttachUserData", "DeleteUserData",
                                      "UpdateUserData"}));
  ASSERT_TRUE(desk.complete(chat(id), *of(id, "a1"), {}));
  EXPECT_TRUE(chat(id).ended());
}

TEST_F(DeskTest, CustomerOnlyNoticesCountInTheCustomerIndexOnly) {
  auto id = new_chat("");
  auto& c = chat(id);
  const auto customer = c.counts[0], agent = c.counts[1];
  desk.customer_notice_only(c, ItemType::Notice, "file-client-cfg-get");
  EXPECT_EQ(c.counts[0], customer + 1);
  EXPECT_EQ(c.counts[1], agent);
}

TEST_F(DeskTest, WaitLimitEndsAQueuedChatWithANotice) {
  auto id = new_chat();
  clock.advance(options.wait_limit_ms);
  desk.tick();
  EXPECT_TRUE(chat(id).ended());
  EXPECT_EQ(visible_items(chat(id), Audience::Customer).back()->type, ItemType::Notice);
}

TEST_F(DeskTest, IdleCustomerIsAlertedThenClosed) {
  ready("a1");
  auto id = new_chat();
  accept(id, "a1");
  clock.advance(options.idle_limit_ms);
  desk.tick();
  EXPECT_EQ(chat(id).log.back().type, ItemType::IdleAlert);
  EXPECT_EQ(chat(id).log.back().audience, bit(Audience::Customer));
  clock.advance(options.idle_close_ms);
  desk.tick();
  EXPECT_TRUE(chat(id).customer.left);
  EXPECT_EQ(chat(id).log.back().quit_reason, "7");
}

TEST_F(DeskTest, UserDataLimits) {
  auto id = new_chat();
  UserData many;
  for (int i = 0; i < 101; ++i) many["k" + std::to_string(i)] = {"v"};
  EXPECT_FALSE(desk.set_user_data(chat(id), many));
  EXPECT_FALSE(desk.set_user_data(chat(id), {{"k", {std::string(5000, 'x')}}}));
  EXPECT_TRUE(desk.set_user_data(chat(id), {{"k", {"v"}}}));
  EXPECT_TRUE(desk.delete_user_data(chat(id), {"k"}));
  EXPECT_EQ(chat(id).user_data.count("k"), 0u);
}

TEST_F(DeskTest, RestoreRebuildsQueuesAndOffers) {
  ready("a1");
  users.users["a1"].capacity = 1;
  auto offered = new_chat();
  auto queued = new_chat();
  Chat copy_offered = chat(offered), copy_queued = chat(queued);
  testing::DeskFixture other;
  other.users = users;
  other.agents.restore("a1", agents.get("a1"));
  other.desk.restore(copy_offered);
  other.desk.restore(copy_queued);
  EXPECT_EQ(other.desk.queue_position(*other.desk.find(queued)), 1u);
  EXPECT_EQ(other.desk.find(offered)->participant_of_user("a1")->state, ParticipantState::Invited);
  other.clock.advance(options.offer_timeout_ms + (clock.now_ms() - other.clock.now_ms()));
  other.desk.tick();
  EXPECT_EQ(other.desk.find(offered)->participant_of_user("a1")->state, ParticipantState::Completed);
}

}  // namespace
}  // namespace parley::chat
