// Routing (customer.md, "Routing chats to agents"): queues per service, one offer at a time
// to the longest-idle Ready agent with free capacity, offer timeouts, the wait limit and
// idle customers. Part of Desk: it shares the desk's state and runs on the domain strand.
#include <algorithm>

#include "chat/desk.hpp"
#include "chat/visibility.hpp"

namespace parley::chat {

void Desk::enqueue(Chat& chat, const std::string& queue, bool front) {
  dequeue(chat);
  chat.queue = queue;
  chat.phase = ChatPhase::Queued;
  chat.queued_ms = clock_.now_ms();
  auto& q = queues_[queue];
  if (front) q.push_front(chat.id);
  else q.push_back(chat.id);
  touch(chat);
  customer_notice_only(chat, ItemType::Notice, "Your position in the queue: " + std::to_string(queue_position(chat)));
}

void Desk::dequeue(Chat& chat) {
  auto it = queues_.find(chat.queue);
  if (it == queues_.end()) return;
  auto& q = it->second;
  auto pos = std::find(q.begin(), q.end(), chat.id);
  if (pos == q.end()) return;
  q.erase(pos);
  // Those behind move up and are told at once; in a long queue tick() tells them at most
  // every few seconds, so it does not cost a notice per waiting customer per dequeued chat.
  if (q.size() <= kPromptQueueNotices) announce_queue_positions(chat.queue);
  else queue_moved_.insert(chat.queue);
}

std::size_t Desk::queue_position(const Chat& chat) const {
  auto it = queues_.find(chat.queue);
  if (it == queues_.end()) return 0;
  auto pos = std::find(it->second.begin(), it->second.end(), chat.id);
  return pos == it->second.end() ? 0 : static_cast<std::size_t>(pos - it->second.begin()) + 1;
}

void Desk::announce_queue_positions(const std::string& queue) {
  auto it = queues_.find(queue);
  if (it == queues_.end()) return;
  std::size_t position = 0;
  for (const auto& id : it->second) {
    ++position;
    Chat& chat = *chats_.at(id);
    if (chat.phase != ChatPhase::Queued) continue;
    // Only when it changed: the last queue notice the customer got says where they were.
    const std::string text = "Your position in the queue: " + std::to_string(position);
    auto last = std::find_if(chat.log.rbegin(), chat.log.rend(), [](const LogItem& i) {
      return i.type == ItemType::Notice && i.audience == bit(Audience::Customer) && i.text.starts_with("Your position");
    });
    if (last != chat.log.rend() && last->text == text) continue;
    customer_notice_only(chat, ItemType::Notice, text);
  }
}

int Desk::load_of(const std::string& user_id) const {
  auto it = active_.find(user_id);
  return it == active_.end() ? 0 : static_cast<int>(it->second.size());
}

bool Desk::offer_next(Chat& chat) {
  // Candidates: Ready, logged in, below capacity. Those who rejected or missed this chat
  // only when nobody else is available.
  std::string best;
  TimeMs best_idle = 0;
  bool best_rejected = true;
  for (const auto& user_id : agents_.logged_in_users()) {
    const AgentState& state = agents_.get(user_id);
    if (state.chat != ChannelState::Ready) continue;
    auto info = users_.user(user_id);
    if (!info || !info->agent || load_of(user_id) >= info->capacity) continue;
    if (chat.participant_of_user(user_id) && chat.participant_of_user(user_id)->present()) continue;
    const bool rejected = chat.rejected_by.count(user_id) > 0;
    auto finished = last_finished_.find(user_id);
    const TimeMs idle_since =
        std::max(state.since_ms, finished == last_finished_.end() ? TimeMs{0} : finished->second);
    const bool better = best.empty() || (best_rejected && !rejected) ||
                        (best_rejected == rejected && (idle_since < best_idle || (idle_since == best_idle && user_id < best)));
    if (better) {
      best = user_id;
      best_idle = idle_since;
      best_rejected = rejected;
    }
  }
  if (best.empty()) return false;
  Participant offer;
  offer.role = ParticipantRole::Agent;
  offer.user_id = best;
  offer.nickname = display_name(best);
  offer.state = ParticipantState::Invited;
  offer.offer = OfferKind::Routing;
  offer.offer_expires_ms = clock_.now_ms() + options_.offer_timeout_ms;
  add_participant(chat, std::move(offer));
  ++counters_.offers["routing"].made;
  chat.phase = ChatPhase::Offered;
  // An offered chat leaves the queue (so dispatch never walks past pending offers); a
  // withdrawn offer puts it back at the front.
  auto& q = queues_[chat.queue];
  q.erase(std::find(q.begin(), q.end(), chat.id));
  if (q.size() <= kPromptQueueNotices) announce_queue_positions(chat.queue);
  else queue_moved_.insert(chat.queue);
  return true;
}

void Desk::dispatch() {
  for (auto& [queue, ids] : queues_) {
    // Offers take chats off the front; stop at the first one nobody can take now.
    while (!ids.empty()) {
      Chat& chat = *chats_.at(ids.front());
      if (!offer_next(chat)) break;
    }
  }
}

void Desk::withdraw_offer(Chat& chat, Participant& p, bool missed) {
  if (p.state != ParticipantState::Invited) return;
  set_state(chat, p, ParticipantState::Completed);
  p.offer_expires_ms = 0;
  ++(missed ? counters_.offers[offer_kind_label(p.offer)].timed_out
            : counters_.offers[offer_kind_label(p.offer)].withdrawn);
  if (p.offer == OfferKind::Routing) {
    chat.rejected_by.insert(p.user_id);
    if (chat.phase == ChatPhase::Offered) {
      chat.phase = ChatPhase::Queued;
      queues_[chat.queue].push_front(chat.id);
    }
  } else if (Participant* from = chat.participant(p.offered_by); from && from->present()) {
    changes_.errors.push_back({from->user_id, chat.id, p.reference_id,
                               missed ? "The target did not answer the offer" : "The target rejected the offer"});
  }
  if (missed && p.offer == OfferKind::Routing) {
    // Offers must not keep bouncing to someone who is not there.
    if (auto change = agents_.set_not_ready(p.user_id, "Missed offer")) changes_.agents.push_back(*change);
  }
}

void Desk::agent_availability_changed(const std::string& user_id) {
  const AgentState& state = agents_.get(user_id);
  if (state.chat != ChannelState::Ready) {
    auto held = active_.find(user_id);
    if (held != active_.end()) {
      const auto ids = held->second;
      for (const auto& id : ids) {
        Chat& chat = *chats_.at(id);
        Participant* p = chat.participant_of_user(user_id);
        if (p && p->state == ParticipantState::Invited && p->offer == OfferKind::Routing) withdraw_offer(chat, *p, false);
      }
    }
  }
  dispatch();
}

void Desk::tick() {
  const TimeMs now = clock_.now_ms();
  std::vector<Chat*> all;
  all.reserve(chats_.size());
  for (auto& [id, chat] : chats_)
    if (!chat->ended()) all.push_back(chat.get());
  bool redispatch = false;
  for (Chat* chat : all) {
    for (auto& p : chat->participants)
      if (p.state == ParticipantState::Invited && p.offer_expires_ms != 0 && now >= p.offer_expires_ms) {
        withdraw_offer(*chat, p, true);
        redispatch = true;
      }
    if (chat->phase == ChatPhase::Queued && now - chat->queued_ms >= options_.wait_limit_ms) {
      customer_notice_only(*chat, ItemType::Notice, "No agent is available now. Please try again later.");
      ++counters_.chats_expired_in_queue;
      if (Participant* c = chat->participant(chat->customer.participant_id); c && c->present())
        set_state(*chat, *c, ParticipantState::LeftChat);
      end_chat(*chat);
      continue;
    }
    Participant* customer = chat->participant(chat->customer.participant_id);
    if (chat->phase == ChatPhase::Active && customer && customer->present()) {
      const TimeMs silent = now - chat->customer.last_active_ms;
      if (!chat->customer.idle_alerted && silent >= options_.idle_limit_ms) {
        customer_notice_only(*chat, ItemType::IdleAlert, "You have been idle. The chat will close soon.");
        chat->customer.idle_alerted = true;
      } else if (chat->customer.idle_alerted && silent >= options_.idle_limit_ms + options_.idle_close_ms) {
        customer_notice_only(*chat, ItemType::IdleClose, "The chat was closed because it was idle.");
        auto& left = append_event(*chat, ItemType::ParticipantLeft, *customer);
        left.quit_reason = "7";
        set_state(*chat, *customer, ParticipantState::LeftChat);
        chat->customer.left = true;
        end_if_abandoned(*chat);
      }
    }
  }
  if (redispatch) dispatch();
  if (now - last_announce_ms_ >= kQueueAnnounceMs) {
    last_announce_ms_ = now;
    const auto moved = std::move(queue_moved_);
    queue_moved_.clear();
    for (const auto& queue : moved) announce_queue_positions(queue);
  }
}

}  // namespace parley::chat
