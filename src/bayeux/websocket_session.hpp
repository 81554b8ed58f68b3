#pragma once
// The websocket transport of a CometD endpoint, over any stream (TCP now, TLS later).
// Header-only on purpose: only the HTTP server's translation unit includes it, so Beast's
// websocket code is compiled once, next to the HTTP code.
//
// One reader loop feeds message batches to the Endpoint; replies go through a queue with one
// write at a time; a held /meta/connect completes when the engine wakes it or its hold time
// passes. A write that takes longer than the write timeout closes the connection.
// The stream's executor must be the connection's strand: every coroutine here runs on it.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <deque>
#include <memory>

#include "bayeux/endpoint.hpp"

namespace parley::bayeux {

template <class Stream>
class WebsocketSession : public std::enable_shared_from_this<WebsocketSession<Stream>> {
 public:
  using Ws = boost::beast::websocket::stream<Stream>;

  WebsocketSession(Stream&& stream, Endpoint& endpoint, Identity who, std::chrono::seconds write_timeout)
      : ws_(std::move(stream)),
        endpoint_(endpoint),
        who_(std::move(who)),
        write_timeout_(write_timeout),
        writer_wake_(ws_.get_executor()),
        watchdog_(ws_.get_executor()) {}

  template <class Request>
  boost::asio::awaitable<void> run(Request req) {
    namespace websocket = boost::beast::websocket;
    auto self = this->shared_from_this();
    ws_.set_option(websocket::stream_base::timeout::suggested(boost::beast::role_type::server));
    ws_.read_message_max(1 << 20);
    const bool offers_cometd = std::string_view(req[boost::beast::http::field::sec_websocket_protocol]).find("cometd") !=
                               std::string_view::npos;
    ws_.set_option(websocket::stream_base::decorator([offers_cometd, node = endpoint_.node_name()](
                                                         websocket::response_type& res) {
      res.set(boost::beast::http::field::server, "Parley");
      if (!node.empty()) res.set("X-Parley-Node", node);
      if (offers_cometd) res.set(boost::beast::http::field::sec_websocket_protocol, "cometd");
    }));
    auto [ec] = co_await ws_.async_accept(req, nothrow);
    if (ec) co_return;
    boost::asio::co_spawn(ws_.get_executor(), self->write_loop(self), boost::asio::detached);
    boost::asio::co_spawn(ws_.get_executor(), self->watch_writes(self), boost::asio::detached);
    co_await read_loop();
    close();
  }

 private:
  static constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<void> read_loop() {
    boost::beast::flat_buffer buffer;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buffer, nothrow);
      if (ec) co_return;
      auto batch = parse_batch(std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()));
      buffer.consume(buffer.size());
      if (!batch) co_return;  // not Bayeux: nothing sensible to answer on this socket
      auto waiter = std::make_shared<TimerWaiter>(ws_.get_executor());
      BatchOutcome outcome = co_await endpoint_.process(*batch, who_, waiter);
      if (!outcome.replies.empty()) send(join_batch(outcome.replies));
      if (outcome.held) {
        auto self = this->shared_from_this();
        boost::asio::co_spawn(ws_.get_executor(), hold(self, waiter, *outcome.held), boost::asio::detached);
      }
    }
  }

  // `self` keeps the session alive while the connect is held.
  boost::asio::awaitable<void> hold(std::shared_ptr<WebsocketSession> self, std::shared_ptr<TimerWaiter> waiter,
                                    HeldConnect held) {
    co_await waiter->wait(held.hold_ms);
    std::vector<std::string> rest = co_await endpoint_.complete(held);
    if (!closed_) send(join_batch(rest));
  }

  void send(std::string text) {
    outgoing_.push_back(std::move(text));
    writer_wake_.cancel();
  }

  boost::asio::awaitable<void> write_loop(std::shared_ptr<WebsocketSession> self) {
    while (!closed_) {
      if (outgoing_.empty()) {
        writer_wake_.expires_at(std::chrono::steady_clock::time_point::max());
        co_await writer_wake_.async_wait(nothrow);
        continue;
      }
      std::string text = std::move(outgoing_.front());
      outgoing_.pop_front();
      ws_.text(true);
      writing_ = true;
      watchdog_.expires_after(write_timeout_);  // re-arms watch_writes
      auto [ec, n] = co_await ws_.async_write(boost::asio::buffer(text), nothrow);
      writing_ = false;
      watchdog_.expires_at(std::chrono::steady_clock::time_point::max());
      if (ec) {
        close();
        co_return;
      }
    }
  }

  // A peer that does not read must not pin a write (and its memory) forever. The timer is
  // armed only while a write is in progress, so idle sessions cost no wake-ups.
  boost::asio::awaitable<void> watch_writes(std::shared_ptr<WebsocketSession> self) {
    watchdog_.expires_at(std::chrono::steady_clock::time_point::max());
    while (!closed_) {
      auto [ec] = co_await watchdog_.async_wait(nothrow);
      if (ec) continue;  // re-armed or disarmed by the writer
      if (writing_ && !closed_) {
        close();
        boost::beast::error_code ignored;
        boost::beast::get_lowest_layer(ws_).socket().close(ignored);
      }
      watchdog_.expires_at(std::chrono::steady_clock::time_point::max());
    }
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    writer_wake_.cancel();
    watchdog_.cancel();
  }

  Ws ws_;
  Endpoint& endpoint_;
  Identity who_;
  std::chrono::seconds write_timeout_;
  std::deque<std::string> outgoing_;
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer watchdog_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace parley::bayeux
