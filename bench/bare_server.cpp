// The ceiling for REST benchmarks: Beast + Asio with the same threading as Parley (one
// io_context, one thread per core, C++20 coroutines, keep-alive) answering a constant JSON
// body of the size of a GET /api/v2/me answer. No routing, no auth, no JSON work.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <iostream>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

static const std::string kBody =
    R"({"statusCode":0,"user":{"id":"e27d028139b07a32ce5ed39b35d8dd81","userName":"agent1","firstName":"Alice",)"
    R"("lastName":"Agent","emailAddress":"agent1@example.com","roles":["ROLE_AGENT"],"enabled":true,)"
    R"("uri":"http://127.0.0.1:18080/api/v2/users/e27d028139b07a32ce5ed39b35d8dd81",)"
    R"("path":"/users/e27d028139b07a32ce5ed39b35d8dd81"}})";

asio::awaitable<void> session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, nothrow);
    if (ec) break;
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "bare");
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.keep_alive(req.keep_alive());
    res.body() = kBody;
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, nothrow);
    if (wec || !req.keep_alive()) break;
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow);
    if (ec) continue;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(asio::make_strand(acceptor.get_executor()), session(std::move(socket)), asio::detached);
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bare_server PORT\n";
    return 2;
  }
  const int threads = std::max(1u, std::thread::hardware_concurrency());
  asio::io_context io(threads);
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(argv[1]))});
  asio::co_spawn(io, listen(acceptor), asio::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
}
