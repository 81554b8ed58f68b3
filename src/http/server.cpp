// The only translation unit that includes Beast's HTTP code: it is heavy to compile.
#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <map>
#include <spdlog/spdlog.h>

#include "bayeux/websocket_session.hpp"
#include "common/counted.hpp"
#include "http/request_head.hpp"
#include "gws/errors.hpp"

namespace parley::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

struct HttpServer::State {
  Dispatcher& dispatcher;
  ServerLimits limits;
  std::string public_base_url;
  tcp::acceptor acceptor;
  std::atomic<bool> shutting_down{false};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> connections{0};
  std::map<std::string, bayeux::Endpoint*> websockets;  // path -> endpoint
  std::unique_ptr<asio::ssl::context> tls;               // set: every connection is HTTPS
};

namespace {

// Errors that only mean the peer went away or we are shutting down: not worth a log line.
bool expected_close(const beast::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == asio::error::eof || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == bhttp::error::end_of_stream || ec == asio::error::broken_pipe;
}

std::string base_url_of(const HttpServer::State& s, const bhttp::request_header<>& h, bool secure) {
  if (!s.public_base_url.empty()) return s.public_base_url;
  std::string host(h[bhttp::field::host]);
  // Only characters a host[:port] may hold end up in `uri` fields.
  bool sane = !host.empty() && host.size() < 256 && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
  if (!sane) host = "localhost";
  return (secure ? "https://" : "http://") + host;
}

template <class Stream>
awaitable<bool> write_response(Stream& stream, HttpServer::State& s, const Response& r, unsigned version,
                               bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "Parley");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.insert(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(s.limits.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, res, use_nothrow);
  co_return !ec;
}

template <class Stream>
awaitable<void> write_error(Stream& stream, HttpServer::State& s, ErrorKind kind, const char* message) {
  auto r = gws::error_response(make_error(kind, message));
  co_await write_response(stream, s, r, 11, false);
}

template <class Stream>
awaitable<void> serve_connection(Stream& stream, std::shared_ptr<HttpServer::State> state, bool secure) {
  auto& s = *state;
  Counted connection(s.connections);
  beast::flat_buffer buffer;
  std::string remote;
  {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream).socket().remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  for (bool first = true;; first = false) {
    // Waiting for the first byte: a new connection has the header timeout to start its
    // request; a kept-alive one may sit idle for the idle timeout.
    if (buffer.size() == 0) {
      beast::get_lowest_layer(stream).expires_after(first ? s.limits.header_timeout : s.limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_nothrow);
      if (ec) break;
      buffer.commit(n);
    }
    if (s.shutting_down) break;

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(s.limits.request_line + s.limits.headers));
    parser.body_limit(boost::none);  // set per route once the target is known
    beast::get_lowest_layer(stream).expires_after(s.limits.header_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, use_nothrow);
    if (hec == bhttp::error::header_limit) {
      co_await write_error(stream, s, header_overflow_kind(std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()), s.limits.request_line), "Request header too large");
      break;
    }
    if (hec) {
      if (!expected_close(hec) && hec != bhttp::error::partial_message)
        co_await write_error(stream, s, ErrorKind::InvalidValue, "Malformed HTTP request");
      break;
    }
    const auto& header = parser.get();
    if (header.target().size() > s.limits.request_line) {
      co_await write_error(stream, s, ErrorKind::UriTooLong, "Request line too long");
      break;
    }
    if (header_bytes(header) > s.limits.headers) {
      co_await write_error(stream, s, ErrorKind::HeadersTooLarge, "Request headers too large");
      break;
    }

    // HTTP/1.1 requires exactly one Host (RFC 9112 3.2): `uri` fields are built from it.
    if (header.version() >= 11) {
      const auto hosts = header.count(bhttp::field::host);
      if (hosts != 1) {
        co_await write_error(stream, s, ErrorKind::InvalidValue,
                             hosts == 0 ? "Missing Host header" : "More than one Host header");
        break;
      }
    }
    Request req;
    if (!to_request(header, req)) {
      co_await write_error(stream, s, ErrorKind::InvalidValue, "Malformed request target");
      break;
    }
    if (boost::beast::websocket::is_upgrade(header)) {
      auto ws = s.websockets.find(req.path);
      if (ws != s.websockets.end()) {
        req.remote_address = remote;
        req.secure = secure;
        req.base_url = base_url_of(s, header, secure);
        bayeux::Identity who;
        if (auto* auth = ws->second->authenticator()) who = co_await auth->identify(req);
        // The websocket has its own timeouts; the HTTP ones must not cut it.
        beast::get_lowest_layer(stream).expires_never();
        auto session = std::make_shared<bayeux::WebsocketSession<Stream>>(std::move(stream), *ws->second, std::move(who),
                                                                          s.limits.write_timeout);
        co_await session->run(parser.release());
        co_return;  // the stream now belongs to the websocket session
      }
    }
    Counted busy(s.in_flight);
    const std::size_t limit = s.dispatcher.body_limit(req.method, req.path);
    if (auto length = parser.content_length(); length && *length > limit) {
      co_await write_error(stream, s, ErrorKind::BodyTooLarge, "Request body too large");
      break;
    }
    parser.body_limit(limit);
    if (!parser.is_done()) {
      if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        beast::get_lowest_layer(stream).expires_after(s.limits.write_timeout);
        auto [cec, cn] = co_await bhttp::async_write(stream, cont, use_nothrow);
        if (cec) break;
      }
      beast::get_lowest_layer(stream).expires_after(s.limits.body_timeout);
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, use_nothrow);
      if (bec == bhttp::error::body_limit) {
        co_await write_error(stream, s, ErrorKind::BodyTooLarge, "Request body too large");
        break;
      }
      if (bec) break;
    }
    auto message = parser.release();
    req.body = std::move(message.body());
    req.remote_address = remote;
    req.secure = secure;
    req.base_url = base_url_of(s, message, secure);
    beast::get_lowest_layer(stream).expires_never();  // a handler may hold the request (long-poll)

    Response resp = co_await s.dispatcher.dispatch(req);
    const bool keep_alive = message.keep_alive() && !resp.close && !s.shutting_down;
    const bool written = co_await write_response(stream, s, resp, message.version(), keep_alive);
    if (!written || !keep_alive) break;
  }
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Takes the socket by value from an xvalue: g++ 12 mishandles prvalue class temporaries
// passed by value to coroutines (GCC PR 99576).
awaitable<void> serve_plain(tcp::socket socket, std::shared_ptr<HttpServer::State> state) {
  beast::tcp_stream stream(std::move(socket));
  co_await serve_connection(stream, std::move(state), false);
}

// TLS: the handshake must finish within the header timeout, like a plain request's headers.
awaitable<void> serve_tls(tcp::socket socket, std::shared_ptr<HttpServer::State> state) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *state->tls);
  beast::get_lowest_layer(stream).expires_after(state->limits.header_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_nothrow);
  if (ec) co_return;  // not TLS, a bad certificate on the other side, or too slow: nothing to answer
  co_await serve_connection(stream, std::move(state), true);
}

std::unique_ptr<asio::ssl::context> make_tls_context(const TlsFiles& files) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  // TLS 1.2 and 1.3 only; the library's default cipher choice otherwise.
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                   asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(files.certificate, ec);
  if (ec) throw std::runtime_error("TLS certificate " + files.certificate + ": " + ec.message());
  ctx->use_private_key_file(files.private_key, asio::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("TLS private key " + files.private_key + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error("TLS private key " + files.private_key + " does not match the certificate");
  return ctx;
}

awaitable<void> accept_loop(std::shared_ptr<HttpServer::State> state) {
  for (;;) {
    // Each connection lives on its own strand: its socket, timers and every coroutine of it
    // (reader, writer, held connects) never run on two threads at once.
    auto ex = asio::make_strand(state->acceptor.get_executor());
    auto [ec, socket] = co_await state->acceptor.async_accept(ex, use_nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || state->shutting_down) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (state->tls) asio::co_spawn(ex, serve_tls(std::move(socket), state), asio::detached);
    else asio::co_spawn(ex, serve_plain(std::move(socket), state), asio::detached);
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, Dispatcher& dispatcher, ServerLimits limits, std::string public_base_url,
                       TlsFiles tls)
    : io_(io),
      state_(std::make_shared<State>(dispatcher, limits, std::move(public_base_url), tcp::acceptor(io))),
      shutting_down_(state_->shutting_down),
      in_flight_(state_->in_flight),
      connections_(state_->connections) {
  if (tls.enabled()) state_->tls = make_tls_context(tls);
}

bool HttpServer::secure() const { return state_->tls != nullptr; }

HttpServer::~HttpServer() = default;

tcp::endpoint HttpServer::listen(const std::string& address, unsigned short port) {
  tcp::endpoint ep(asio::ip::make_address(address), port);
  auto& a = state_->acceptor;
  a.open(ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  return a.local_endpoint();
}

void HttpServer::add_websocket(bayeux::Endpoint& endpoint) { state_->websockets[endpoint.path()] = &endpoint; }

void HttpServer::start() { asio::co_spawn(state_->acceptor.get_executor(), accept_loop(state_), asio::detached); }

void HttpServer::begin_shutdown() {
  state_->shutting_down = true;
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
}

}  // namespace parley::http
