#include "chat/desk.hpp"

#include <algorithm>

#include "chat/capabilities.hpp"
#include "chat/visibility.hpp"
#include "common/random.hpp"

namespace parley::chat {

Desk::Desk(const Clock& clock, AgentStates& agents, const UserLookup& users, DeskOptions options)
    : clock_(clock), agents_(agents), users_(users), options_(options) {}

// ---------------------------------------------------------------- building blocks

void Desk::touch(Chat& chat) {
  if (changed_.insert(chat.id).second) changes_.chats.push_back(chat.id);
}

void Desk::touch_roster(Chat& chat) {
  touch(chat);
  if (roster_changed_.insert(chat.id).second) changes_.roster_changed.push_back(chat.id);
}

Chat& Desk::create(const std::string& service) {
  auto chat = std::make_unique<Chat>();
  chat->id = random_alnum(16);
  chat->service = service;
  chat->received_ms = clock_.now_ms();
  Chat& ref = *chat;
  chats_.emplace(ref.id, std::move(chat));
  return ref;
}

LogItem& Desk::append(Chat& chat, LogItem item, AudienceSet audience) {
  item.seq = static_cast<std::int64_t>(chat.log.size()) + 1;
  item.audience = audience;
  item.at_ms = clock_.now_ms();
  for (std::size_t a = 0; a < kAudienceCount; ++a) {
    if (audience & (1u << a)) item.index[a] = ++chat.counts[a];
    if (item.shown_as[a] == ItemType{} && item.type != ItemType{}) item.shown_as[a] = item.type;
  }
  for (auto& shown : item.shown_as)
    if (shown == ItemType::Text && item.type != ItemType::Text) shown = item.type;
  chat.log.push_back(std::move(item));
  touch(chat);
  return chat.log.back();
}

namespace {
LogItem item_from(ItemType type, const Participant& p) {
  LogItem item;
  item.type = type;
  item.from = p.id;
  item.from_nickname = p.nickname;
  item.from_role = p.role;
  item.from_visibility = p.visibility;
  item.from_user_id = p.user_id;
  item.shown_as.fill(type);
  return item;
}
}  // namespace

LogItem& Desk::append_event(Chat& chat, ItemType type, const Participant& about, const std::string& text) {
  // Events about a participant reach exactly those who may see the participant.
  auto item = item_from(type, about);
  item.text = text;
  item.visibility = Visibility::All;
  return append(chat, std::move(item), audience_for(about.visibility));
}

Participant& Desk::add_participant(Chat& chat, Participant p) {
  p.id = random_alnum(16);
  chat.participants.push_back(std::move(p));
  Participant& added = chat.participants.back();
  if (added.role != ParticipantRole::Customer && !added.user_id.empty() &&
      (added.state == ParticipantState::Invited || added.state == ParticipantState::Chatting) &&
      added.role == ParticipantRole::Agent)
    active_[added.user_id].insert(chat.id);
  touch_roster(chat);
  return added;
}

void Desk::set_state(Chat& chat, Participant& p, ParticipantState state) {
  p.state = state;
  if (p.role == ParticipantRole::Agent && !p.user_id.empty()) {
    if (state == ParticipantState::Invited || state == ParticipantState::Chatting) {
      active_[p.user_id].insert(chat.id);
    } else if (active_[p.user_id].erase(chat.id)) {
      last_finished_[p.user_id] = clock_.now_ms();
    }
  }
  touch_roster(chat);
}

void Desk::show_to_customer(Chat& chat, Participant& p) {
  if (p.customer_number != 0) return;
  int highest = 1;
  for (const auto& other : chat.participants) highest = std::max(highest, other.customer_number);
  p.customer_number = highest + 1;
}

std::string Desk::display_name(const std::string& user_id) const {
  auto u = users_.user(user_id);
  return u ? u->user_name : user_id;
}

Status validate_text(const std::string& text) {
  if (text.size() > 16 * 1024) return make_error(ErrorKind::InvalidValue, "text is longer than 16 KiB");
  return Ok{};
}

// ---------------------------------------------------------------- customers

Expected<std::string> Desk::request_chat(const NewChat& request) {
  if (!has_service(request.service)) return make_error(ErrorKind::NotFound, "Unknown chat service");
  Chat& chat = create(request.service);
  ++counters_.chats_created;
  chat.subject = request.subject;
  chat.user_data = request.user_data;
  if (!request.subject.empty() && !chat.user_data.count("Subject")) chat.user_data["Subject"] = {request.subject};
  if (!request.email.empty() && !chat.user_data.count("EmailAddress")) chat.user_data["EmailAddress"] = {request.email};
  chat.customer.user_id = random_alnum(16);
  chat.customer.secure_key = random_alnum(16);
  chat.customer.alias = "117";
  chat.customer.email = request.email;
  chat.customer.last_active_ms = clock_.now_ms();
  Participant customer;
  customer.role = ParticipantRole::Customer;
  customer.nickname = request.nickname;
  customer.customer_number = 1;
  Participant& c = add_participant(chat, std::move(customer));
  chat.customer.participant_id = c.id;
  append_event(chat, ItemType::ParticipantJoined, c);
  if (!request.first_message.empty()) {
    auto item = item_from(ItemType::Text, c);
    item.text = request.first_message;
    append(chat, std::move(item), kEveryone);
    ++counters_.messages["customer"];
  }
  enqueue(chat, request.service, false);
  dispatch();
  return chat.id;
}

Expected<Chat*> Desk::customer_chat(const std::string& chat_id, const std::string& user_id,
                                    const std::string& secure_key) {
  Chat* chat = find(chat_id);
  if (!chat || chat->customer.user_id != user_id || chat->customer.secure_key != secure_key ||
      secure_key.empty())
    return make_error(ErrorKind::NotFound, "Chat not found or invalid secure key");
  return chat;
}

namespace {
Participant* customer_of(Chat& chat) { return chat.participant(chat.customer.participant_id); }

Status customer_can_act(Chat& chat) {
  auto* c = customer_of(chat);
  if (!c || !c->present() || chat.ended()) return make_error(ErrorKind::InvalidState, "The chat has ended");
  return Ok{};
}
}  // namespace

Status Desk::customer_send(Chat& chat, const std::string& text, const std::string& message_type) {
  if (auto st = customer_can_act(chat); !st) return st;
  if (auto st = validate_text(text); !st) return st;
  auto item = item_from(ItemType::Text, *customer_of(chat));
  item.text = text;
  item.message_type = message_type;
  append(chat, std::move(item), kEveryone);
  ++counters_.messages["customer"];
  chat.customer.last_active_ms = clock_.now_ms();
  chat.customer.idle_alerted = false;
  return Ok{};
}

Status Desk::customer_typing(Chat& chat, bool started, const std::string& preview) {
  if (auto st = customer_can_act(chat); !st) return st;
  if (auto st = validate_text(preview); !st) return st;
  append_event(chat, started ? ItemType::TypingStarted : ItemType::TypingStopped, *customer_of(chat), preview);
  chat.customer.last_active_ms = clock_.now_ms();
  return Ok{};
}

Status Desk::customer_nickname(Chat& chat, const std::string& nickname) {
  if (auto st = customer_can_act(chat); !st) return st;
  auto* c = customer_of(chat);
  c->nickname = nickname;
  auto& item = append_event(chat, ItemType::NicknameUpdated, *c);
  item.notice_text = nickname;
  return Ok{};
}

Status Desk::customer_update_data(Chat& chat, const UserData& data) {
  if (auto st = customer_can_act(chat); !st) return st;
  return set_user_data(chat, data);
}

Status Desk::customer_notice(Chat& chat, const std::string& text) {
  if (auto st = customer_can_act(chat); !st) return st;
  if (auto st = validate_text(text); !st) return st;
  auto item = item_from(ItemType::CustomNotice, *customer_of(chat));
  item.notice_text = text;
  item.text = text;
  append(chat, std::move(item), kEveryone);
  return Ok{};
}

Status Desk::customer_push_url(Chat& chat, const std::string& url) {
  if (auto st = customer_can_act(chat); !st) return st;
  auto item = item_from(ItemType::PushUrl, *customer_of(chat));
  item.url = url;
  item.text = url;
  append(chat, std::move(item), kEveryone);
  return Ok{};
}

Status Desk::customer_file(Chat& chat, const StoredFile& file, bool deleted) {
  if (auto st = customer_can_act(chat); !st) return st;
  auto item = item_from(deleted ? ItemType::FileDeleted : ItemType::FileUploaded, *customer_of(chat));
  item.data = {{"file-id", {file.id}}, {"file-name", {file.name}}, {"file-size", {std::to_string(file.size), true}},
               {"file-type", {file.type}}};
  append(chat, std::move(item), kEveryone);
  if (deleted) {
    for (auto& f : chat.files)
      if (f.id == file.id) f.deleted = true;
  } else {
    chat.files.push_back(file);
  }
  return Ok{};
}

void Desk::customer_notice_only(Chat& chat, ItemType type, const std::string& text, const UserData& data) {
  LogItem item;
  item.type = type;
  item.shown_as.fill(type);
  item.text = text;
  item.data = data;
  append(chat, std::move(item), bit(Audience::Customer));
}

Status Desk::customer_disconnect(Chat& chat) {
  auto* c = customer_of(chat);
  if (!c || !c->present()) return Ok{};  // already gone: nothing more to do
  append_event(chat, ItemType::ParticipantLeft, *c);
  set_state(chat, *c, ParticipantState::LeftChat);
  chat.customer.left = true;
  if (chat.phase == ChatPhase::Queued || chat.phase == ChatPhase::Offered) {
    // Nobody took it yet: it simply ends.
    for (auto& p : chat.participants)
      if (p.state == ParticipantState::Invited) withdraw_offer(chat, p, false);
    end_chat(chat);
    return Ok{};
  }
  end_if_abandoned(chat);
  return Ok{};
}

// ---------------------------------------------------------------- agents

Expected<std::pair<Chat*, Participant*>> Desk::find_for(const std::string& user_id, const std::string& chat_id) {
  Chat* chat = find(chat_id);
  if (!chat) return make_error(ErrorKind::NotFound, "No such chat");
  Participant* me = chat->participant_of_user(user_id);
  if (!me) return make_error(ErrorKind::NotFound, "No such chat");
  return std::make_pair(chat, me);
}

Expected<std::pair<Chat*, Participant*>> Desk::authorize(const std::string& user_id, const std::string& chat_id,
                                                         const std::string& operation) {
  auto found = find_for(user_id, chat_id);
  if (!found) return found;
  if (!has_capability(*found->first, *found->second, operation))
    return make_error(ErrorKind::InvalidState, operation + " is not possible now");
  return found;
}

Status Desk::accept(Chat& chat, Participant& me, const std::string& nickname) {
  if (me.state != ParticipantState::Invited) return make_error(ErrorKind::InvalidState, "Nothing to accept");
  if (!nickname.empty()) me.nickname = nickname;
  const OfferKind kind = me.offer;
  ++counters_.offers[offer_kind_label(kind)].accepted;
  if (kind == OfferKind::Routing)
    counters_.queue_wait[chat.service].observe(static_cast<double>(clock_.now_ms() - chat.queued_ms) / 1000.0);
  me.visibility = kind == OfferKind::Consult ? Visibility::Agents : Visibility::All;
  me.offer_expires_ms = 0;
  set_state(chat, me, ParticipantState::Chatting);
  if (me.visibility == Visibility::All) show_to_customer(chat, me);
  if (kind == OfferKind::Routing || chat.phase != ChatPhase::Active) {
    dequeue(chat);
    chat.phase = ChatPhase::Active;
  }
  append_event(chat, ItemType::ParticipantJoined, me);
  // Supervisors join next: that adds participants, so `me` must not be used after it.
  const std::string transferred_by = kind == OfferKind::Transfer ? me.offered_by : std::string();
  join_supervisors(chat, me.user_id);
  if (!transferred_by.empty()) {
    // The agent who transferred leaves once the target has the chat.
    if (Participant* from = chat.participant(transferred_by); from && from->present()) remove_agent(chat, *from, "");
  }
  return Ok{};
}

Status Desk::reject(Chat& chat, Participant& me) {
  if (me.state != ParticipantState::Invited) return make_error(ErrorKind::InvalidState, "Nothing to reject");
  auto& counts = counters_.offers[offer_kind_label(me.offer)];
  withdraw_offer(chat, me, false);
  // A rejection, not a withdrawal: withdraw_offer counted it as withdrawn.
  --counts.withdrawn;
  ++counts.rejected;
  dispatch();
  return Ok{};
}

Status Desk::send(Chat& chat, Participant& me, ItemType type, Visibility wanted, const std::string& text,
                  const std::string& message_type) {
  if (auto st = validate_text(text); !st) return st;
  auto item = item_from(type, me);
  // Never further than the sender's own visibility: a coach's SendMessage stays with agents.
  item.visibility = narrower(wanted, me.visibility);
  item.message_type = message_type;
  if (type == ItemType::CustomNotice) item.notice_text = text;
  if (type == ItemType::PushUrl) item.url = text;
  item.text = text;
  append(chat, std::move(item), audience_for(narrower(wanted, me.visibility)));
  if (type == ItemType::Text) ++counters_.messages[me.role == ParticipantRole::Supervisor ? "supervisor" : "agent"];
  return Ok{};
}

Status Desk::nickname_notice(Chat& chat, Participant& me, const std::string& nickname) {
  me.nickname = nickname;
  auto& item = append_event(chat, ItemType::NicknameUpdated, me);
  item.notice_text = nickname;
  return Ok{};
}

void Desk::last_words(Chat& chat, Participant& me, const LastWords& words) {
  if (words.text.empty()) return;
  auto item = item_from(ItemType::Text, me);
  item.text = words.text;
  item.message_type = words.message_type;
  item.visibility = me.visibility;
  append(chat, std::move(item), audience_for(me.visibility));
}

void Desk::remove_agent(Chat& chat, Participant& p, const std::string& quit_reason) {
  auto& left = append_event(chat, ItemType::ParticipantLeft, p);
  left.quit_reason = quit_reason;
  set_state(chat, p, p.role == ParticipantRole::Supervisor ? ParticipantState::Revoked : ParticipantState::Completed);
}

Status Desk::leave(Chat& chat, Participant& me, const LastWords& words) {
  last_words(chat, me, words);
  remove_agent(chat, me, "");
  if (me.role == ParticipantRole::Supervisor) me.state = ParticipantState::Completed;
  end_if_abandoned(chat);
  return Ok{};
}

Status Desk::complete(Chat& chat, Participant& me, const LastWords& words) {
  last_words(chat, me, words);
  for (auto& p : chat.participants) {
    if (p.state == ParticipantState::Invited) withdraw_offer(chat, p, false);
    else if (p.role == ParticipantRole::Agent && p.present()) remove_agent(chat, p, "");
  }
  end_chat(chat);
  return Ok{};
}

void Desk::offer_to(Chat& chat, const Participant& me, const std::string& target_user, const std::string& nickname,
                    OfferKind kind, std::int64_t reference_id) {
  Participant offer;
  offer.role = ParticipantRole::Agent;
  offer.user_id = target_user;
  offer.nickname = nickname;
  offer.state = ParticipantState::Invited;
  offer.offer = kind;
  offer.offer_expires_ms = clock_.now_ms() + options_.offer_timeout_ms;
  offer.offered_by = me.id;
  offer.reference_id = reference_id;
  add_participant(chat, std::move(offer));
  ++counters_.offers[offer_kind_label(kind)].made;
}

Status Desk::transfer_to_user(Chat& chat, Participant& me, const std::string& target_user, std::int64_t reference_id,
                              const LastWords& words) {
  auto target = users_.user(target_user);
  if (!target || !target->agent) return make_error(ErrorKind::NotFound, "No such agent");
  if (Participant* existing = chat.participant_of_user(target_user);
      existing && (existing->present() || existing->state == ParticipantState::Invited)) {
    if (existing->present() && existing->visibility == Visibility::Agents) {
      // A consultant takes over at once: visible to all, and the caller leaves.
      last_words(chat, me, words);
      return invite(chat, me, target_user, reference_id, OfferKind::Transfer);
    }
    return make_error(ErrorKind::InvalidState, "That agent is already in the chat");
  }
  last_words(chat, me, words);
  offer_to(chat, me, target_user, target->user_name, OfferKind::Transfer, reference_id);
  return Ok{};
}

Status Desk::transfer_to_queue(Chat& chat, Participant& me, const std::string& queue, const LastWords& words) {
  if (!has_service(queue)) return make_error(ErrorKind::NotFound, "No such queue");
  last_words(chat, me, words);
  for (auto& p : chat.participants)
    if (p.state == ParticipantState::Invited) withdraw_offer(chat, p, false);
  remove_agent(chat, me, "");
  revoke_supervisors(chat);
  // Anyone else still in it (consultants, guests) leaves too: the queue hands it to one agent.
  for (auto& p : chat.participants)
    if (p.role == ParticipantRole::Agent && p.present()) remove_agent(chat, p, "5");
  // The agent who sent it back is the last one to get it again.
  chat.rejected_by = {me.user_id};
  enqueue(chat, queue, false);
  dispatch();
  return Ok{};
}

Status Desk::invite(Chat& chat, Participant& me, const std::string& target_user, std::int64_t reference_id,
                    OfferKind kind) {
  auto target = users_.user(target_user);
  if (!target || !target->agent) return make_error(ErrorKind::NotFound, "No such agent");
  Participant* existing = chat.participant_of_user(target_user);
  if (existing && existing->present()) {
    if (kind != OfferKind::Consult && existing->visibility == Visibility::Agents) {
      // Promote a consultant: visible to everyone from now on, rendered as a join to the customer.
      existing->visibility = Visibility::All;
      show_to_customer(chat, *existing);
      auto item = item_from(ItemType::ParticipantJoined, *existing);
      item.shown_as = {ItemType::ParticipantJoined, ItemType::ParticipantRejoined, ItemType::ParticipantRejoined};
      append(chat, std::move(item), kEveryone);
      if (kind == OfferKind::Transfer) remove_agent(chat, me, "");
      return Ok{};
    }
    return make_error(ErrorKind::InvalidState, "That agent is already in the chat");
  }
  if (existing && existing->state == ParticipantState::Invited)
    return make_error(ErrorKind::InvalidState, "That agent already has an offer of this chat");
  offer_to(chat, me, target_user, target->user_name, kind, reference_id);
  return Ok{};
}

Status Desk::set_user_data(Chat& chat, const UserData& data) {
  UserData merged = chat.user_data;
  for (const auto& [k, v] : data) merged[k] = v;
  if (merged.size() > 100) return make_error(ErrorKind::InvalidValue, "user data is limited to 100 keys");
  for (const auto& [k, v] : data)
    if (k.empty() || k.size() > 256 || v.text.size() > 4096)
      return make_error(ErrorKind::InvalidValue, "user data keys are 1-256 characters, values at most 4 KiB");
  chat.user_data = std::move(merged);
  touch(chat);
  return Ok{};
}

Status Desk::delete_user_data(Chat& chat, const std::vector<std::string>& keys) {
  for (const auto& k : keys) chat.user_data.erase(k);
  touch(chat);
  return Ok{};
}

// ---------------------------------------------------------------- endings

void Desk::revoke_supervisors(Chat& chat) {
  for (auto& p : chat.participants)
    if (p.role == ParticipantRole::Supervisor && (p.present() || p.state == ParticipantState::Invited))
      set_state(chat, p, ParticipantState::Revoked);
}

void Desk::end_chat(Chat& chat) {
  dequeue(chat);
  revoke_supervisors(chat);
  chat.phase = ChatPhase::Ended;
  touch(chat);
  dispatch();  // agents who had it have capacity again
}

void Desk::end_if_abandoned(Chat& chat) {
  if (chat.ended()) return;
  const bool agent_left = std::none_of(chat.participants.begin(), chat.participants.end(), [](const Participant& p) {
    return p.role == ParticipantRole::Agent && (p.present() || (p.state == ParticipantState::Invited &&
                                                                p.offer == OfferKind::Transfer));
  });
  if (!agent_left) return;
  if (chat.phase == ChatPhase::Queued || chat.phase == ChatPhase::Offered) return;
  for (auto& p : chat.participants)
    if (p.state == ParticipantState::Invited) withdraw_offer(chat, p, false);
  end_chat(chat);
}

// ---------------------------------------------------------------- reads and recovery

const Chat* Desk::find(const std::string& chat_id) const {
  auto it = chats_.find(chat_id);
  return it == chats_.end() ? nullptr : it->second.get();
}

const Chat* Desk::find_by_secure_key(const std::string& chat_id, const std::string& secure_key) const {
  if (secure_key.empty()) return nullptr;
  if (!chat_id.empty()) {
    const Chat* c = find(chat_id);
    return c && c->customer.secure_key == secure_key ? c : nullptr;
  }
  for (const auto& [id, c] : chats_)
    if (c->customer.secure_key == secure_key) return c.get();
  return nullptr;
}

Chat* Desk::find(const std::string& chat_id) {
  auto it = chats_.find(chat_id);
  return it == chats_.end() ? nullptr : it->second.get();
}

std::vector<const Chat*> Desk::chats_of(const std::string& user_id, bool live, bool finished) const {
  std::vector<const Chat*> out;
  for (const auto& [id, chat] : chats_) {
    const Participant* p = chat->participant_of_user(user_id);
    if (!p) continue;
    const bool done = p->state == ParticipantState::Completed || p->state == ParticipantState::Revoked ||
                      p->state == ParticipantState::LeftChat;
    if ((done && finished) || (!done && live)) out.push_back(chat.get());
  }
  std::sort(out.begin(), out.end(), [](const Chat* a, const Chat* b) {
    return a->received_ms != b->received_ms ? a->received_ms > b->received_ms : a->id > b->id;
  });
  return out;
}

std::vector<const Chat*> Desk::active_chats_of(const std::string& user_id) const {
  std::vector<const Chat*> out;
  auto it = active_.find(user_id);
  if (it == active_.end()) return out;
  for (const auto& id : it->second)
    if (const Chat* c = find(id)) out.push_back(c);
  std::sort(out.begin(), out.end(), [](const Chat* a, const Chat* b) { return a->received_ms < b->received_ms; });
  return out;
}

std::size_t Desk::live_chat_count() const {
  return static_cast<std::size_t>(
      std::count_if(chats_.begin(), chats_.end(), [](const auto& c) { return !c.second->ended(); }));
}

void Desk::drop(const std::string& chat_id) {
  auto it = chats_.find(chat_id);
  if (it == chats_.end()) return;
  for (auto& [queue, ids] : queues_) ids.erase(std::remove(ids.begin(), ids.end(), chat_id), ids.end());
  for (auto& [user, held] : active_) held.erase(chat_id);
  chats_.erase(it);
}

void Desk::restore(Chat chat) {
  drop(chat.id);
  auto owned = std::make_unique<Chat>(std::move(chat));
  Chat& c = *owned;
  c.stored_items = c.log.size();
  chats_[c.id] = std::move(owned);
  for (auto& p : c.participants)
    if (p.role == ParticipantRole::Agent && (p.present() || p.state == ParticipantState::Invited))
      active_[p.user_id].insert(c.id);
  if (c.phase == ChatPhase::Queued) {
    auto& q = queues_[c.queue];
    // Oldest first, as they were queued.
    auto pos = std::find_if(q.begin(), q.end(), [&](const std::string& id) { return chats_[id]->queued_ms > c.queued_ms; });
    q.insert(pos, c.id);
  }
}

DeskChanges Desk::take_changes() {
  DeskChanges out = std::move(changes_);
  changes_ = {};
  changed_.clear();
  roster_changed_.clear();
  return out;
}

}  // namespace parley::chat
