#pragma once
// The Bayeux 1.0 protocol state machine: sessions, subscriptions, per-session queues, the
// ack extension, held connects and expiry. Pure: no sockets and no threads — transports
// feed it message batches and it returns the bytes to send; time comes from a Clock.
// One instance per endpoint; its owner calls it from one strand only.
#include <boost/json.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"

namespace parley::bayeux {

namespace json = boost::json;

// A serialized Bayeux message, shared by every session that receives it.
using Bytes = std::shared_ptr<const std::string>;
Bytes make_message(std::string_view channel, std::string_view data_json);

// A transport's hook for a held /meta/connect: called (on the engine's strand) once, when
// the connect should complete — something was queued, the session ended, or a newer
// connect superseded it. The transport then calls Engine::complete_connect.
class Waiter {
 public:
  virtual ~Waiter() = default;
  virtual void wake() = 0;
};

// Handles publishes to /service/... channels (the customer API plugs in here).
class ServiceHandler {
 public:
  virtual ~ServiceHandler() = default;
  // Returns the reply data for the publish ({"successful":true} is added by the engine when
  // the handler returns nullopt error). `deliver` may be kept to push later messages.
  struct Result {
    bool successful = true;
    std::string error;  // "code::message" when not successful
  };
  virtual Result on_publish(const std::string& client_id, const std::string& channel, const json::object& message) = 0;
  virtual void on_session_closed(const std::string& client_id) {}
};

struct EngineOptions {
  TimeMs hold_ms = 25'000;          // how long a connect is held when there is nothing to send
  TimeMs max_interval_ms = 10'000;  // a session with no connect for this long expires
  std::size_t max_queue_messages = 10'000;
  std::size_t max_queue_bytes = 8 * 1024 * 1024;
  std::size_t max_subscriptions = 64;
  std::size_t max_sessions_per_user = 100;
  bool require_user = true;  // GWS: handshakes need an authenticated user; customers: none
  // Which subscriptions a client may make (besides /service/...): the GWS rule by default.
  std::function<bool(std::string_view pattern)> may_subscribe;
};

// Who is on the other side of a transport.
struct Identity {
  std::string user_id;  // empty: anonymous
  bool origin_allowed = true;
  // Who it is cannot be told right now (a cluster between two desk holders): the handshake
  // is refused with advice to try again, not as denied.
  bool unavailable = false;
};

// A connect waiting for something to send.
struct HeldConnect {
  std::string client_id;
  json::value id;  // the connect message's id, echoed in the reply
  TimeMs hold_ms;
  std::uint64_t ticket;  // a newer connect of the same session supersedes this one
};

struct BatchOutcome {
  std::vector<std::string> replies;  // serialized messages to send, in order
  std::optional<HeldConnect> held;   // send `replies` only after complete_connect (long-poll)
};

class Engine {
 public:
  Engine(const Clock& clock, EngineOptions options);

  // One batch from a transport. `waiter` is used if a connect must be held.
  BatchOutcome process(const json::array& batch, const Identity& who, const std::shared_ptr<Waiter>& waiter);
  // Completes a held connect: queued messages plus the connect reply (or 402 if the session is gone).
  std::vector<std::string> complete_connect(const HeldConnect& held);

  // Server-side publish: to every session of `user_id` subscribed to a pattern covering `channel`.
  // Returns how many sessions got it.
  std::size_t deliver(const std::string& user_id, const std::string& channel, const Bytes& message);
  // To one session (service channels).
  bool deliver_to_session(const std::string& client_id, const Bytes& message);

  // Expires sessions without a connect for max_interval. Returns their ids.
  std::vector<std::string> expire_idle();
  // Ends every session of a user (EndContactCenterSession).
  void close_user(const std::string& user_id);
  // Every session: their clients handshake again and re-read what they show (cluster: this
  // node may have missed notifications).
  void close_all();
  // Wakes every held connect (shutdown).
  void wake_all();

  void set_service_handler(std::string prefix, ServiceHandler* handler) { services_[std::move(prefix)] = handler; }

  std::size_t session_count() const { return sessions_.size(); }
  std::size_t queued_messages() const;
  // Sessions by the connectionType of their last connect ("websocket", "long-polling";
  // "none" before the first connect).
  std::map<std::string, std::size_t> sessions_by_transport() const;
  // Sessions closed because their queue was full (a client that does not keep up).
  std::uint64_t overflow_closes() const { return overflow_closes_; }
  bool user_has_session(const std::string& user_id) const { return by_user_.count(user_id) > 0; }
  std::vector<std::string> users_with_sessions() const;
  const EngineOptions& options() const { return options_; }

 private:
  struct Session {
    std::string id;
    std::string user_id;
    bool ack = false;
    bool connected = false;  // has seen its first connect
    std::vector<std::string> subscriptions;
    std::deque<Bytes> queue;
    std::deque<std::pair<std::int64_t, Bytes>> unacked;  // sent in batch N, not yet acknowledged
    std::size_t bytes = 0;                               // queue + unacked
    std::int64_t batch = 0;
    std::shared_ptr<Waiter> waiter;  // set while a connect is held and not yet woken
    std::uint64_t held_ticket = 0;    // non-zero while a connect is held
    TimeMs last_seen = 0;
    std::string transport = "none";  // connectionType of the last connect
  };

  json::object handshake(const json::object& m, const Identity& who);
  std::optional<json::object> connect(const json::object& m, const std::shared_ptr<Waiter>& waiter,
                                      BatchOutcome& out);
  json::object subscribe(const json::object& m, bool subscribe);
  json::object disconnect(const json::object& m);
  json::object publish(const json::object& m, const std::string& channel);

  Session* find(const json::object& m);
  json::object reply(const json::object& m, std::string_view channel) const;
  json::object unknown_client(const json::object& m, std::string_view channel) const;
  json::object advice() const;
  // Moves the queue into the reply: messages first, then the connect reply.
  void flush(Session& s, json::object connect_reply, std::vector<std::string>& out);
  bool enqueue(Session& s, const Bytes& message);
  void wake(Session& s);
  void remove(std::string client_id);  // by value: callers often pass the session's own id

  const Clock& clock_;
  EngineOptions options_;
  std::unordered_map<std::string, Session> sessions_;
  std::unordered_map<std::string, std::vector<std::string>> by_user_;  // user -> client ids, oldest first
  std::uint64_t overflow_closes_ = 0;
  std::map<std::string, ServiceHandler*> services_;  // channel prefix -> handler
  std::uint64_t next_ticket_ = 0;
};

// A request body or websocket frame as a batch: a JSON array of messages, or one message
// object; nothing when it is not JSON, has a key twice, or is some other JSON value.
std::optional<json::array> parse_batch(std::string_view body);

}  // namespace parley::bayeux
