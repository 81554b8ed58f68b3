#include "bayeux/engine.hpp"

#include <algorithm>

#include "bayeux/channel.hpp"
#include "common/json_strict.hpp"
#include "common/random.hpp"

namespace parley::bayeux {

Bytes make_message(std::string_view channel, std::string_view data_json) {
  std::string out;
  out.reserve(channel.size() + data_json.size() + 24);
  out += R"({"channel":)";
  out += json::serialize(json::string_view(channel.data(), channel.size()));
  out += R"(,"data":)";
  out += data_json;
  out += '}';
  return std::make_shared<const std::string>(std::move(out));
}

namespace {
std::string_view text_of(const json::object& m, const char* key) {
  auto it = m.find(key);
  if (it == m.end() || !it->value().is_string()) return {};
  return it->value().as_string();
}

bool wants_ack(const json::object& m) {
  auto ext = m.find("ext");
  if (ext == m.end() || !ext->value().is_object()) return false;
  auto ack = ext->value().as_object().find("ack");
  if (ack == ext->value().as_object().end()) return false;
  // Old clients send `true`, newer ones {"enabled":true,...}.
  if (ack->value().is_bool()) return ack->value().as_bool();
  if (ack->value().is_object()) {
    auto enabled = ack->value().as_object().find("enabled");
    return enabled != ack->value().as_object().end() && enabled->value() == true;
  }
  return false;
}

std::optional<std::int64_t> acked_batch(const json::object& m) {
  auto ext = m.find("ext");
  if (ext == m.end() || !ext->value().is_object()) return std::nullopt;
  auto ack = ext->value().as_object().find("ack");
  if (ack == ext->value().as_object().end()) return std::nullopt;
  if (ack->value().is_int64()) return ack->value().as_int64();
  if (ack->value().is_uint64()) return static_cast<std::int64_t>(ack->value().as_uint64());
  return std::nullopt;
}

bool connect_wants_no_hold(const json::object& m) {
  auto advice = m.find("advice");
  if (advice == m.end() || !advice->value().is_object()) return false;
  auto timeout = advice->value().as_object().find("timeout");
  return timeout != advice->value().as_object().end() && timeout->value().is_number() &&
         timeout->value().to_number<double>() == 0;
}
}  // namespace

Engine::Engine(const Clock& clock, EngineOptions options) : clock_(clock), options_(std::move(options)) {
  if (!options_.may_subscribe)
    options_.may_subscribe = [](std::string_view pattern) { return pattern == "/**" || pattern.starts_with("/v2/me/"); };
}

json::object Engine::reply(const json::object& m, std::string_view channel) const {
  json::object r;
  r["channel"] = channel;
  if (auto id = m.find("id"); id != m.end()) r["id"] = id->value();
  if (auto cid = text_of(m, "clientId"); !cid.empty()) r["clientId"] = cid;
  return r;
}

json::object Engine::unknown_client(const json::object& m, std::string_view channel) const {
  auto r = reply(m, channel);
  r["successful"] = false;
  r["error"] = "402::Unknown client";
  r["advice"] = json::object{{"reconnect", "handshake"}, {"interval", 0}};
  return r;
}

json::object Engine::advice() const {
  return json::object{{"reconnect", "retry"}, {"interval", 0}, {"timeout", options_.hold_ms}};
}

Engine::Session* Engine::find(const json::object& m) {
  auto it = sessions_.find(std::string(text_of(m, "clientId")));
  return it == sessions_.end() ? nullptr : &it->second;
}

BatchOutcome Engine::process(const json::array& batch, const Identity& who, const std::shared_ptr<Waiter>& waiter) {
  BatchOutcome out;
  std::optional<json::object> connect_reply;
  for (const auto& item : batch) {
    if (!item.is_object()) {
      out.replies.push_back(R"({"successful":false,"error":"400::Invalid message"})");
      continue;
    }
    const auto& m = item.as_object();
    const std::string channel(text_of(m, "channel"));
    json::object r;
    if (channel == "/meta/handshake") {
      r = handshake(m, who);
    } else if (channel == "/meta/connect") {
      if (out.held || connect_reply) {
        r = reply(m, channel);
        r["successful"] = false;
        r["error"] = "400::One connect per batch";
      } else {
        connect_reply = connect(m, waiter, out);
        continue;
      }
    } else if (channel == "/meta/subscribe" || channel == "/meta/unsubscribe") {
      r = subscribe(m, channel == "/meta/subscribe");
    } else if (channel == "/meta/disconnect") {
      r = disconnect(m);
    } else if (!valid_channel(channel) || is_meta(channel)) {
      r = reply(m, channel.empty() ? std::string_view("/meta/unknown") : std::string_view(channel));
      r["successful"] = false;
      r["error"] = "400::Invalid channel";
    } else {
      r = publish(m, channel);
    }
    out.replies.push_back(json::serialize(r));
  }
  // The connect reply goes last, after the messages it carries (see flush).
  if (connect_reply) out.replies.push_back(json::serialize(*connect_reply));
  return out;
}

json::object Engine::handshake(const json::object& m, const Identity& who) {
  auto r = reply(m, "/meta/handshake");
  r.erase("clientId");
  if (who.unavailable) {
    r["successful"] = false;
    r["error"] = "503::Service unavailable, retry";
    r["advice"] = json::object{{"reconnect", "handshake"}, {"interval", 1000}};
    return r;
  }
  if ((options_.require_user && who.user_id.empty()) || !who.origin_allowed) {
    r["successful"] = false;
    r["error"] = "403::Access denied";
    r["advice"] = json::object{{"reconnect", "none"}, {"interval", 0}};
    return r;
  }
  Session s;
  s.id = random_token();
  s.user_id = who.user_id;
  s.ack = wants_ack(m);
  s.last_seen = clock_.now_ms();
  if (!s.user_id.empty()) {
    auto& mine = by_user_[s.user_id];
    // A client that handshakes in a loop costs at most the cap: the oldest sessions go.
    while (mine.size() >= options_.max_sessions_per_user) remove(std::string(mine.front()));
    by_user_[s.user_id].push_back(s.id);
  }
  r["version"] = "1.0";
  r["minimumVersion"] = "1.0";
  r["supportedConnectionTypes"] = json::array{"websocket", "long-polling"};
  r["clientId"] = s.id;
  r["successful"] = true;
  r["advice"] = advice();
  if (s.ack) r["ext"] = json::object{{"ack", true}};
  sessions_.emplace(s.id, std::move(s));
  return r;
}

std::optional<json::object> Engine::connect(const json::object& m, const std::shared_ptr<Waiter>& waiter,
                                            BatchOutcome& out) {
  Session* s = find(m);
  if (!s) return unknown_client(m, "/meta/connect");
  if (s->held_ticket != 0) {
    // One outstanding connect per session: the older one completes now, empty.
    s->held_ticket = 0;
    wake(*s);
  }
  if (s->ack) {
    if (auto acked = acked_batch(m)) {
      while (!s->unacked.empty() && s->unacked.front().first <= *acked) {
        s->bytes -= s->unacked.front().second->size();
        s->unacked.pop_front();
      }
    }
  }
  s->last_seen = clock_.now_ms();
  if (auto type = m.if_contains("connectionType"); type && type->is_string()) {
    const auto& t = type->get_string();
    if (t != s->transport) s->transport = std::string(t);
  }
  auto r = reply(m, "/meta/connect");
  r["successful"] = true;
  r["advice"] = advice();
  const bool first = !s->connected;
  s->connected = true;
  if (first || connect_wants_no_hold(m) || !s->queue.empty() || !s->unacked.empty() || !waiter) {
    flush(*s, std::move(r), out.replies);
    return std::nullopt;
  }
  s->waiter = waiter;
  s->held_ticket = ++next_ticket_;
  json::value id = nullptr;
  if (auto it = m.find("id"); it != m.end()) id = it->value();
  out.held = HeldConnect{s->id, std::move(id), options_.hold_ms, s->held_ticket};
  return std::nullopt;
}

std::vector<std::string> Engine::complete_connect(const HeldConnect& held) {
  json::object m{{"clientId", held.client_id}};
  if (!held.id.is_null()) m["id"] = held.id;
  std::vector<std::string> out;
  auto it = sessions_.find(held.client_id);
  if (it == sessions_.end()) {
    out.push_back(json::serialize(unknown_client(m, "/meta/connect")));
    return out;
  }
  Session& s = it->second;
  auto r = reply(m, "/meta/connect");
  r["successful"] = true;
  r["advice"] = advice();
  if (held.ticket != s.held_ticket) {  // superseded by a newer connect: nothing for this one
    out.push_back(json::serialize(r));
    return out;
  }
  s.held_ticket = 0;
  s.waiter.reset();
  flush(s, std::move(r), out);
  return out;
}

void Engine::flush(Session& s, json::object connect_reply, std::vector<std::string>& out) {
  if (s.ack) {
    const std::int64_t batch = ++s.batch;
    for (auto& m : s.queue) s.unacked.emplace_back(batch, std::move(m));
    s.queue.clear();
    // Everything not yet acknowledged goes again: the client lost it if it acked less.
    for (const auto& [n, m] : s.unacked) out.push_back(*m);
    connect_reply["ext"] = json::object{{"ack", batch}};
  } else {
    for (const auto& m : s.queue) out.push_back(*m);
    s.queue.clear();
    s.bytes = 0;
  }
  s.last_seen = clock_.now_ms();
  out.push_back(json::serialize(connect_reply));
}

json::object Engine::subscribe(const json::object& m, bool subscribing) {
  const std::string_view channel = subscribing ? "/meta/subscribe" : "/meta/unsubscribe";
  Session* s = find(m);
  if (!s) return unknown_client(m, channel);
  auto r = reply(m, channel);
  std::vector<std::string> wanted;
  auto sub = m.find("subscription");
  if (sub != m.end()) {
    r["subscription"] = sub->value();
    if (sub->value().is_string()) {
      wanted.emplace_back(sub->value().as_string());
    } else if (sub->value().is_array()) {
      for (const auto& v : sub->value().as_array()) {
        // A non-string entry becomes an invalid channel: one bad entry fails the lot.
        wanted.emplace_back(v.is_string() ? std::string(v.as_string()) : std::string());
      }
    }
  }
  auto fail = [&r](const char* error) {
    r["successful"] = false;
    r["error"] = error;
    return r;
  };
  if (wanted.empty()) return fail("400::Missing subscription");
  for (const auto& c : wanted) {
    if (!valid_channel(c) || is_meta(c)) return fail("400::Invalid channel");
    if (subscribing && !is_service(c) && !options_.may_subscribe(c)) return fail("403::Forbidden");
  }
  for (const auto& c : wanted) {
    auto& subs = s->subscriptions;
    auto it = std::find(subs.begin(), subs.end(), c);
    if (subscribing && it == subs.end()) {
      if (subs.size() >= options_.max_subscriptions) return fail("403::Too many subscriptions");
      subs.push_back(c);
    } else if (!subscribing && it != subs.end()) {
      subs.erase(it);
    }
  }
  r["successful"] = true;
  return r;
}

json::object Engine::disconnect(const json::object& m) {
  Session* s = find(m);
  if (!s) return unknown_client(m, "/meta/disconnect");
  auto r = reply(m, "/meta/disconnect");
  remove(s->id);
  r["successful"] = true;
  return r;
}

json::object Engine::publish(const json::object& m, const std::string& channel) {
  Session* s = find(m);
  if (!s) return unknown_client(m, channel);
  auto r = reply(m, channel);
  ServiceHandler* handler = nullptr;
  if (is_service(channel))
    for (const auto& [prefix, h] : services_)
      if (channel.starts_with(prefix)) handler = h;
  if (!handler) {
    r["successful"] = false;
    r["error"] = "403::Forbidden";
    return r;
  }
  auto result = handler->on_publish(s->id, channel, m);
  r["successful"] = result.successful;
  if (!result.successful) r["error"] = result.error;
  return r;
}

bool Engine::enqueue(Session& s, const Bytes& message) {
  if (s.queue.size() + s.unacked.size() >= options_.max_queue_messages ||
      s.bytes + message->size() > options_.max_queue_bytes) {
    // A client that does not keep up is cut off, not buffered without bound; it
    // re-handshakes and re-reads its state.
    ++overflow_closes_;
    remove(std::string(s.id));
    return false;
  }
  s.queue.push_back(message);
  s.bytes += message->size();
  wake(s);
  return true;
}

void Engine::wake(Session& s) {
  if (auto w = std::move(s.waiter)) w->wake();
  s.waiter.reset();
}

std::size_t Engine::deliver(const std::string& user_id, const std::string& channel, const Bytes& message) {
  auto it = by_user_.find(user_id);
  if (it == by_user_.end()) return 0;
  std::size_t delivered = 0;
  const auto ids = it->second;  // enqueue may remove a session from the list
  for (const auto& id : ids) {
    auto s = sessions_.find(id);
    if (s == sessions_.end()) continue;
    const auto& subs = s->second.subscriptions;
    if (std::any_of(subs.begin(), subs.end(), [&](const std::string& p) { return channel_matches(p, channel); }))
      delivered += enqueue(s->second, message) ? 1 : 0;
  }
  return delivered;
}

bool Engine::deliver_to_session(const std::string& client_id, const Bytes& message) {
  auto s = sessions_.find(client_id);
  return s != sessions_.end() && enqueue(s->second, message);
}

std::vector<std::string> Engine::expire_idle() {
  const TimeMs now = clock_.now_ms();
  std::vector<std::string> expired;
  for (const auto& [id, s] : sessions_)
    if (s.held_ticket == 0 && now - s.last_seen > options_.max_interval_ms) expired.push_back(id);
  for (const auto& id : expired) remove(id);
  return expired;
}

void Engine::close_user(const std::string& user_id) {
  auto it = by_user_.find(user_id);
  if (it == by_user_.end()) return;
  const auto ids = it->second;
  for (const auto& id : ids) remove(id);
}

void Engine::close_all() {
  std::vector<std::string> ids;
  for (const auto& [id, s] : sessions_) ids.push_back(id);
  for (const auto& id : ids) remove(id);
}

void Engine::wake_all() {
  for (auto& [id, s] : sessions_) wake(s);
}

void Engine::remove(std::string client_id) {
  auto it = sessions_.find(client_id);
  if (it == sessions_.end()) return;
  Session s = std::move(it->second);
  sessions_.erase(it);
  if (!s.user_id.empty()) {
    auto& mine = by_user_[s.user_id];
    mine.erase(std::remove(mine.begin(), mine.end(), client_id), mine.end());
    if (mine.empty()) by_user_.erase(s.user_id);
  }
  if (s.waiter) s.waiter->wake();  // its connect completes with 402
  for (const auto& [prefix, h] : services_) h->on_session_closed(client_id);
}

std::size_t Engine::queued_messages() const {
  std::size_t n = 0;
  for (const auto& [id, s] : sessions_) n += s.queue.size() + s.unacked.size();
  return n;
}

std::map<std::string, std::size_t> Engine::sessions_by_transport() const {
  std::map<std::string, std::size_t> out;
  for (const auto& [id, s] : sessions_) ++out[s.transport];
  return out;
}

std::vector<std::string> Engine::users_with_sessions() const {
  std::vector<std::string> out;
  for (const auto& [user, ids] : by_user_) out.push_back(user);
  return out;
}

std::optional<json::array> parse_batch(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || has_duplicate_keys(body)) return std::nullopt;  // one meaning per message, or none
  if (v.is_array()) return std::move(v.as_array());
  if (v.is_object()) return json::array{std::move(v)};
  return std::nullopt;
}

}  // namespace parley::bayeux
