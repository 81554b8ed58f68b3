#pragma once
// The HTTP/1.1 server: accepts connections and runs one coroutine per connection that reads
// requests within the limits, hands them to the Dispatcher and writes the answers. The
// connection code is written over any stream (plain TCP now, TLS later).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "bayeux/endpoint.hpp"
#include "http/dispatcher.hpp"

namespace parley::http {

struct ServerLimits {
  std::size_t request_line = 8 * 1024;
  std::size_t headers = 16 * 1024;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds body_timeout{60};
  std::chrono::seconds write_timeout{30};
};

// HTTPS and WSS: PEM files of the certificate (chain) and its private key. Empty: plain HTTP.
struct TlsFiles {
  std::string certificate;
  std::string private_key;
  bool enabled() const { return !certificate.empty(); }
};

class HttpServer {
 public:
  // Throws std::runtime_error when the TLS files cannot be loaded.
  HttpServer(boost::asio::io_context& io, Dispatcher& dispatcher, ServerLimits limits, std::string public_base_url,
             TlsFiles tls = {});
  ~HttpServer();

  // Binds and listens; throws std::system_error with the reason when it cannot.
  boost::asio::ip::tcp::endpoint listen(const std::string& address, unsigned short port);
  // Websocket upgrades on `endpoint.path()` go to the endpoint's websocket transport.
  void add_websocket(bayeux::Endpoint& endpoint);
  void start();
  // Stops accepting; connections finish the request in hand and close.
  void begin_shutdown();
  bool shutting_down() const { return shutting_down_.load(); }
  std::size_t in_flight() const { return in_flight_.load(); }
  std::size_t connections() const { return connections_.load(); }
  bool secure() const;

  struct State;  // shared with connection coroutines

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<State> state_;
  std::atomic<bool>& shutting_down_;
  std::atomic<std::size_t>& in_flight_;
  std::atomic<std::size_t>& connections_;
};

}  // namespace parley::http
