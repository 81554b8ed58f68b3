#include "cluster/node.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "cluster/wire.hpp"
#include "common/counted.hpp"
#include "customer/routes.hpp"
#include "gws/errors.hpp"

namespace parley::cluster {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;

namespace {
// Subjects, after the cluster's name: work for the lease holder (request/reply; only the
// holder subscribes), and notifications from the holder to every node.
constexpr const char* kHttpSubject = ".desk.http";
constexpr const char* kIdentifySubject = ".desk.identify";
constexpr const char* kCustomerSubject = ".desk.customer";
constexpr const char* kActivitySubject = ".desk.activity";
constexpr const char* kPushSubject = ".push";

// The API requests the holder carries out. CometD transports, pages, health and metrics are
// this node's own.
bool holder_path(std::string_view path) {
  if (path.starts_with("/genesys/2/")) return true;
  if (!path.starts_with("/api/v2/")) return false;
  return !path.starts_with("/api/v2/notifications") && path != "/api/v2/openapi.json";
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void sleep_unless(const std::atomic<bool>& stopping, std::chrono::milliseconds total) {
  const auto until = std::chrono::steady_clock::now() + total;
  while (!stopping && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// A bus request as an awaitable: completes on the awaiting coroutine's executor.
awaitable<std::pair<std::error_code, std::string>> bus_request(bus::Bus& bus, const std::string& subject,
                                                                const std::string& data,
                                                                std::chrono::milliseconds timeout) {
  auto [ec, reply] = co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::error_code, std::string)>(
      [&bus, &subject, &data, timeout](auto handler) {
        auto ex = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        bus.request(subject, data, timeout, [shared, ex](std::error_code ec, std::string reply) {
          asio::post(ex, asio::append(std::move(*shared), ec, std::move(reply)));
        });
      },
      asio::use_awaitable);
  co_return std::make_pair(ec, std::move(reply));
}

Response unavailable(const Request& req) {
  const std::string message = "No node can carry out requests at the moment; retry";
  if (req.path.starts_with("/genesys/")) return customer::customer_error(503, 1, message);
  return gws::error_response(make_error(ErrorKind::StoreUnavailable, message));
}

std::optional<Response> response_of(const std::string& frame) {
  try {
    return decode_response(frame);
  } catch (const std::exception& e) {
    spdlog::error("cluster: a malformed answer from the desk holder: {}", e.what());
    return std::nullopt;
  }
}
}  // namespace

Node::Node(NodeOptions options, asio::any_io_executor io, bus::Bus& bus, store::PgStore& store, std::string store_url)
    : options_(std::move(options)),
      io_(io),
      bus_(bus),
      store_(store),
      lease_(std::move(store_url), store::kDeskLease, options_.name, options_.lease_ttl),
      relay_(bus, options_.cluster + kPushSubject) {}

Node::~Node() { stop(); }

void Node::start(NodeParts parts) {
  parts_ = std::move(parts);
  parts_.dispatcher->set_forwarder(this);
  parts_.customer_operations->set_remote([this](const std::string& client, const std::string& channel,
                                                json::object data) {
    if (holder_) return false;
    forward_customer(client, channel,
                     json::serialize(json::object{{"client", client}, {"channel", channel}, {"data", std::move(data)}}));
    return true;
  });
  store_.on_fence_lost([this] { give_up("a commit found the desk lease held by another node"); });
  relay_.start(*parts_.gws, *parts_.customer);
  bus_.on_link_change([this](bool up) {
    if (!up) {
      link_down_since_ms_ = steady_ms();
      return;
    }
    link_down_since_ms_ = 0;
    relay_.link_restored();
  });
  asio::co_spawn(
      io_,
      [this]() -> awaitable<void> {
        asio::steady_timer timer(io_);
        // Every second a heartbeat from the holder; every fifth, the activity of the others.
        for (int tick = 1; !stopping_; ++tick) {
          timer.expires_after(std::chrono::seconds(1));
          co_await timer.async_wait(asio::use_awaitable);
          if (holder_ && !stopping_) relay_.heartbeat();
          if (tick % 5 == 0) publish_activity();
        }
      },
      asio::detached);
  lease_thread_ = std::thread([this] { run_lease(); });
}

void Node::begin_shutdown() {
  stopping_ = true;
  std::vector<bus::SubscriptionId> subscriptions;
  {
    std::lock_guard lock(holder_subscriptions_mutex_);
    subscriptions.swap(holder_subscriptions_);
  }
  // Requests already here are carried out (and counted in in_flight); new ones find no
  // responder and wait for the next holder.
  for (auto id : subscriptions) bus_.unsubscribe(id);
}

void Node::stop() {
  if (stopped_.exchange(true)) return;
  stopping_ = true;
  if (lease_thread_.joinable()) lease_thread_.join();
  if (take_over_thread_.joinable()) take_over_thread_.join();
  if (lease_taken_) {
    try {
      lease_.release(epoch_);
      spdlog::info("cluster: node {} let the desk lease go", options_.name);
    } catch (const std::exception& e) {
      spdlog::warn("cluster: could not let the desk lease go ({}): it expires on its own", e.what());
    }
  }
  bus_.close();
}

void Node::give_up(const std::string& why) {
  // Everything acknowledged is committed, and the fence stops any further write: stopping
  // here loses nothing, and the process manager starts this node again as a follower.
  spdlog::critical("cluster: node {} stops: {}", options_.name, why);
  spdlog::default_logger()->flush();
  std::_Exit(75);
}

void Node::run_lease() {
  auto last_renewed = std::chrono::steady_clock::now();
  std::string last_error;
  while (!stopping_) {
    const std::int64_t down_since = link_down_since_ms_.load();
    if (!lease_taken_) {
      // A node cut off from the bus could hold the desk but not serve it.
      if (down_since != 0) {
        sleep_unless(stopping_, std::chrono::milliseconds(500));
        continue;
      }
      try {
        if (auto epoch = lease_.try_acquire()) {
          become_holder(*epoch);
          last_renewed = std::chrono::steady_clock::now();
        }
        last_error.clear();
      } catch (const std::exception& e) {
        if (last_error != e.what()) spdlog::warn("cluster: cannot check the desk lease: {}", e.what());
        last_error = e.what();
      }
      sleep_unless(stopping_, std::chrono::milliseconds(500));
      continue;
    }
    if (down_since != 0 && steady_ms() - down_since > options_.lease_ttl.count())
      give_up("the link to the bus is down: the other nodes cannot reach the desk here");
    try {
      if (!lease_.renew(epoch_)) give_up("the desk lease was lost (expired or taken over)");
      last_renewed = std::chrono::steady_clock::now();
    } catch (const std::exception& e) {
      spdlog::warn("cluster: cannot renew the desk lease: {}", e.what());
      if (std::chrono::steady_clock::now() - last_renewed >= options_.lease_ttl)
        give_up("the desk lease could not be renewed before it expired");
    }
    sleep_unless(stopping_, options_.lease_ttl / 5);
  }
}

void Node::become_holder(std::int64_t epoch) {
  spdlog::info("cluster: node {} took the desk lease (epoch {}); loading the desk", options_.name, epoch);
  epoch_ = epoch;
  store_.set_fence(store::WriteFence{store::kDeskLease, options_.name, epoch});
  relay_.expect_holder(epoch);
  lease_taken_ = true;
  if (take_over_thread_.joinable()) take_over_thread_.join();
  // Loading can take seconds: the lease thread goes on renewing meanwhile.
  take_over_thread_ = std::thread([this, epoch] {
    try {
      const auto started = std::chrono::steady_clock::now();
      parts_.take_over();
      // This node's clients re-read what they show, as after a restart.
      relay_.resync("this node took the desk over");
      relay_.start_publishing();
      holder_ = true;
      serve_holder_subjects();
      spdlog::info("cluster: node {} serves the desk (epoch {}, loaded in {} ms)", options_.name, epoch,
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                       .count());
    } catch (const std::exception& e) {
      if (stopping_) return;  // shut down while loading: the lease is let go in stop()
      give_up(std::string("could not load the desk: ") + e.what());
    }
  });
}

void Node::serve_holder_subjects() {
  std::vector<bus::SubscriptionId> ids;
  ids.push_back(bus_.subscribe(subject(kHttpSubject), [this](bus::Message m) {
    auto message = std::make_shared<bus::Message>(std::move(m));
    auto busy = std::make_shared<Counted>(in_flight_);  // until the answer is sent, however it ends
    asio::co_spawn(
        io_,
        [this, message, busy]() -> awaitable<void> {
          std::optional<Request> req;
          try {
            req = decode_request(message->data);
          } catch (const std::exception& e) {
            spdlog::error("cluster: a malformed forwarded request: {}", e.what());
          }
          Response resp = gws::error_response(make_error(ErrorKind::Internal, "Malformed forwarded request"));
          if (req) resp = co_await parts_.dispatcher->serve_forwarded(*req);
          if (!bus_.publish(message->reply, encode_response(resp))) {
            // Too large for the bus (NATS max_payload): say so rather than leave the other
            // node waiting for its timeout.
            Response too_large = gws::error_response(
                make_error(ErrorKind::Internal, "The answer is larger than the cluster's bus carries (max_payload)"));
            bus_.publish(message->reply, encode_response(too_large));
          }
        },
        asio::detached);
  }));
  ids.push_back(bus_.subscribe(subject(kIdentifySubject), [this](bus::Message m) {
    auto message = std::make_shared<bus::Message>(std::move(m));
    auto busy = std::make_shared<Counted>(in_flight_);
    asio::co_spawn(
        io_,
        [this, message, busy]() -> awaitable<void> {
          json::object answer{{"user", ""}, {"origin", false}};
          std::optional<Request> req;
          try {
            req = decode_request(message->data);
          } catch (const std::exception& e) {
            spdlog::error("cluster: a malformed forwarded sign-in: {}", e.what());
          }
          if (req) {
            bayeux::Identity who = co_await parts_.local_identity->identify(*req);
            answer = {{"user", who.user_id}, {"origin", who.origin_allowed}};
          }
          bus_.publish(message->reply, json::serialize(answer));
        },
        asio::detached);
  }));
  ids.push_back(bus_.subscribe(subject(kCustomerSubject), [this](bus::Message m) {
    boost::system::error_code ec;
    json::value v = json::parse(m.data, ec);
    if (!ec && v.is_object() && v.as_object().contains("client")) {
      auto& o = v.as_object();
      const std::string client(o["client"].is_string() ? o["client"].as_string() : "");
      const std::string channel(o["channel"].is_string() ? o["channel"].as_string() : "");
      if (channel.empty()) parts_.customer_operations->session_closed_forwarded(client);
      else if (o["data"].is_object()) parts_.customer_operations->perform_forwarded(client, channel, o["data"].as_object());
    }
    bus_.publish(m.reply, "{}");
  }));
  ids.push_back(bus_.subscribe(subject(kActivitySubject), [this](bus::Message m) {
    boost::system::error_code ec;
    json::value v = json::parse(m.data, ec);
    if (ec || !v.is_array()) return;
    for (const auto& user : v.as_array())
      if (user.is_string() && parts_.note_activity) parts_.note_activity(std::string(user.as_string()));
  }));
  std::lock_guard lock(holder_subscriptions_mutex_);
  if (stopping_) {
    // Shut down while taking over: serve nothing.
    for (auto id : ids) bus_.unsubscribe(id);
    return;
  }
  holder_subscriptions_ = std::move(ids);
}

void Node::forward_customer(const std::string& client, const std::string& channel, std::string body) {
  {
    std::lock_guard lock(customer_mutex_);
    auto& queue = customer_queue_[client];
    queue.emplace_back(channel, std::move(body));
    if (queue.size() > 1) return;  // the session's drain is running: it takes this one in turn
  }
  asio::co_spawn(io_, [this, client]() -> awaitable<void> { co_await drain_customer_queue(client); }, asio::detached);
}

awaitable<void> Node::drain_customer_queue(std::string client) {
  const std::string customer_subject = subject(kCustomerSubject);
  for (;;) {
    std::pair<std::string, std::string> next;
    {
      std::lock_guard lock(customer_mutex_);
      next = customer_queue_[client].front();
    }
    auto [ec, reply] = co_await ask_holder(customer_subject, next.second);
    if (ec) {
      spdlog::warn("cluster: a customer's CometD operation was not carried out: {}", ec.message());
      if (!next.first.empty()) parts_.customer_operations->report_unavailable(client, next.first);
    }
    std::lock_guard lock(customer_mutex_);
    auto it = customer_queue_.find(client);
    it->second.pop_front();
    if (it->second.empty()) {
      customer_queue_.erase(it);
      co_return;
    }
  }
}

void Node::publish_activity() {
  if (holder_ || !parts_.gws) return;
  asio::co_spawn(
      io_,
      [this]() -> awaitable<void> {
        // A live CometD session counts as activity for the holder's idle-session sweep.
        std::vector<std::string> users = co_await parts_.gws->users_with_sessions();
        if (users.empty() || holder_) co_return;
        json::array list;
        for (auto& u : users) list.emplace_back(u);
        bus_.publish(subject(kActivitySubject), json::serialize(list));
      },
      asio::detached);
}

std::string Node::subject(const char* suffix) const { return options_.cluster + suffix; }

bool Node::forwards(const Request& req) const { return !holder_ && holder_path(req.path); }

awaitable<std::pair<std::error_code, std::string>> Node::ask_holder(std::string subject, std::string data) {
  const auto deadline = std::chrono::steady_clock::now() + options_.holder_wait;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    auto [ec, reply] = co_await bus_request(bus_, subject, data, options_.request_timeout);
    // Nobody received it: no holder yet (a takeover is under way), so asking again is safe.
    if (ec == bus::BusError::NoResponders && std::chrono::steady_clock::now() < deadline && !stopping_) {
      timer.expires_after(std::chrono::milliseconds(100));
      co_await timer.async_wait(asio::use_awaitable);
      continue;
    }
    co_return std::make_pair(ec, std::move(reply));
  }
}

awaitable<Response> Node::forward(Request& req) {
  // Named first: g++ 12 destroys prvalues passed by value to a coroutine twice (PR 99576).
  std::string http_subject = subject(kHttpSubject), frame = encode_request(req);
  auto [ec, reply] = co_await ask_holder(std::move(http_subject), std::move(frame));
  if (ec) {
    spdlog::warn("cluster: {} {} not carried out: {}", req.method, req.path, ec.message());
    co_return unavailable(req);
  }
  std::optional<Response> resp = response_of(reply);
  co_return resp ? std::move(*resp) : unavailable(req);
}

awaitable<bayeux::Identity> Node::identify(Request& req) {
  if (holder_) co_return co_await parts_.local_identity->identify(req);
  bayeux::Identity who;
  std::string identify_subject = subject(kIdentifySubject), frame = encode_request(req);
  auto [ec, reply] = co_await ask_holder(std::move(identify_subject), std::move(frame));
  if (ec) {
    // No holder to ask (a takeover under way): the client is told to try again shortly.
    who.unavailable = true;
    co_return who;
  }
  boost::system::error_code parse_error;
  json::value v = json::parse(reply, parse_error);
  if (!parse_error && v.is_object()) {
    const auto& o = v.as_object();
    if (auto* user = o.if_contains("user"); user && user->is_string()) who.user_id = std::string(user->as_string());
    if (auto* origin = o.if_contains("origin"); origin && origin->is_bool()) who.origin_allowed = origin->as_bool();
  }
  co_return who;
}

}  // namespace parley::cluster
