// Chat load generator (bench/chats.sh drives it). N concurrent chats against a running Parley:
// customers over the REST customer API (keep-alive HTTP connections), agents with push (one
// raw Bayeux websocket session each, Accepting every offer as it arrives). Then customers send
// messages at a fixed total rate; every send's acknowledgement latency is measured, and the
// agents time each message from send to delivery (the text carries the send time).
// Optionally supervisors monitor the agents, half switching to Coach and back every few seconds.
// One thread, one io_context: the generator uses at most one of the box's cores.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <atomic>
#include <fstream>
#include <sstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

static std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Options {
  unsigned short port = 8080;
  std::vector<unsigned short> ports;  // --ports a,b,c: the nodes of a cluster, used in turn
  int chats = 1000, agents = 10, supervisors = 0;
  double rate = 1000;  // customer messages per second, all chats together
  int seconds = 10, connections = 32;
  int pid = 0;  // server pid, for RSS
  // --cpu name=pid,name=pid,...: processes whose CPU time in the message phase is reported,
  // summed by name (a database's many processes under one name).
  std::vector<std::pair<std::string, int>> cpu;
};

struct Stats {
  std::vector<double> ack_ms, deliver_ms;
  long acked = 0, failed = 0, delivered = 0, offers = 0, accepted = 0, agents_connected = 0;
};

static Stats stats;
static Options opt;

// Each new connection goes to the next node in turn (one node: always the same port).
static unsigned short next_port() {
  static std::atomic<unsigned> turn{0};
  if (opt.ports.empty()) return opt.port;
  return opt.ports[turn++ % opt.ports.size()];
}

static std::string basic(const std::string& user, const std::string& password) {
  std::string raw = user + ":" + password, out(beast::detail::base64::encoded_size(raw.size()), '\0');
  out.resize(beast::detail::base64::encode(out.data(), raw.data(), raw.size()));
  return "Basic " + out;
}

static long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// User + system CPU seconds a process has used so far (0 if it is gone).
static double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

static std::map<std::string, double> cpu_by_name() {
  std::map<std::string, double> out;
  for (const auto& [name, pid] : opt.cpu) out[name] += cpu_seconds(pid);
  return out;
}

static double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

// One keep-alive HTTP/1.1 connection used by one coroutine at a time.
class HttpClient {
 public:
  explicit HttpClient(asio::any_io_executor ex) : stream_(ex) {}
  awaitable<bool> connect() {
    auto [ec] = co_await stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), next_port()), nothrow);
    if (!ec) stream_.socket().set_option(tcp::no_delay(true));
    co_return !ec;
  }
  // Parameters by reference: the callers' temporaries live until the co_await ends (and g++ 12
  // destroys prvalues passed by value to coroutines twice).
  awaitable<json::value> call(http::verb verb, const std::string& target, const std::string& body,
                              const std::string& type, const std::string& auth = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    if (!body.empty()) req.set(http::field::content_type, type);
    req.body() = body;
    req.prepare_payload();
    req.keep_alive(true);
    auto [wec, wn] = co_await http::async_write(stream_, req, nothrow);
    if (wec) co_return json::value();
    http::response<http::string_body> res;
    auto [rec, rn] = co_await http::async_read(stream_, buffer_, res, nothrow);
    if (rec) co_return json::value();
    boost::system::error_code ec;
    auto v = json::parse(res.body(), ec);
    co_return ec ? json::value() : v;
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

static std::string form(std::initializer_list<std::pair<std::string, std::string>> fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += k + '=';
    for (unsigned char c : v)
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
      else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
  }
  return out;
}

struct Chat {
  std::string id, user_id, key;
};

// An agent: a Bayeux websocket session subscribed to /v2/me/*; accepts every offer.
awaitable<void> run_agent(std::string user, std::string password, bool* stop) {
  auto ex = co_await asio::this_coro::executor;
  const std::string auth = basic(user, password);
  HttpClient rest(ex);
  if (!co_await rest.connect()) co_return;
  websocket::stream<beast::tcp_stream> ws(ex);
  auto [cec] = co_await beast::get_lowest_layer(ws).async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), next_port()), nothrow);
  if (cec) co_return;
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::decorator(
      [auth](websocket::request_type& r) { r.set(http::field::authorization, auth); }));
  auto [hec] = co_await ws.async_handshake("127.0.0.1", "/api/v2/notifications", nothrow);
  if (hec) co_return;
  ws.text(true);
  beast::flat_buffer buffer;
  std::string client_id;
  auto send = [&](json::array batch) -> awaitable<bool> {
    auto text = json::serialize(batch);
    auto [ec, n] = co_await ws.async_write(asio::buffer(text), nothrow);
    co_return !ec;
  };
  // (Values are built before co_await: g++ 12 mishandles braced lists inside it.)
  json::array hello{json::object{{"channel", "/meta/handshake"}, {"version", "1.0"},
                                 {"supportedConnectionTypes", json::array{"websocket"}}}};
  co_await send(std::move(hello));
  int sent_connect = 0;
  while (!*stop) {
    auto [rec, rn] = co_await ws.async_read(buffer, nothrow);
    if (rec) break;
    auto batch = json::parse(std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()));
    buffer.consume(buffer.size());
    bool connect_reply = false;
    for (auto& mv : batch.as_array()) {
      auto& m = mv.as_object();
      const std::string channel(m.at("channel").as_string());
      if (channel == "/meta/handshake") {
        client_id = std::string(m.at("clientId").as_string());
        json::array first{json::object{{"channel", "/meta/subscribe"}, {"clientId", client_id}, {"subscription", "/v2/me/*"}},
                          json::object{{"channel", "/meta/connect"}, {"clientId", client_id},
                                       {"connectionType", "websocket"}, {"advice", json::object{{"timeout", 0}}}}};
        co_await send(std::move(first));
        sent_connect = 1;
      } else if (channel == "/meta/connect") {
        if (sent_connect == 1) ++stats.agents_connected, sent_connect = 2;  // subscribed and connected
        connect_reply = true;
      } else if (channel == "/v2/me/chats") {
        const auto& data = m.at("data").as_object();
        const std::string type(data.at("notificationType").as_string());
        if (type == "StatusChange" && data.at("chat").at("state") == "Invited") {
          ++stats.offers;
          const std::string id(data.at("chat").at("id").as_string());
          auto r = co_await rest.call(http::verb::post, "/api/v2/me/chats/" + id,
                                      R"({"operationName":"Accept"})", "application/json", auth);
          if (r.is_object() && r.at("statusCode") == 0) ++stats.accepted;
        } else if (type == "NewMessages") {
          const std::int64_t now = now_us();
          for (const auto& msg : data.at("messages").as_array()) {
            const auto& o = msg.as_object();
            if (o.at("type") != "Text" || !o.contains("text")) continue;
            std::string_view text = o.at("text").as_string();
            if (!text.starts_with("t:")) continue;
            std::int64_t sent = 0;
            std::from_chars(text.data() + 2, text.data() + text.size(), sent);
            stats.deliver_ms.push_back((now - sent) / 1000.0);
            ++stats.delivered;
          }
        }
      }
    }
    if (connect_reply && sent_connect) {
      json::array next{json::object{{"channel", "/meta/connect"}, {"clientId", client_id}, {"connectionType", "websocket"}}};
      co_await send(std::move(next));
    }
  }
}

// Customers: create chats on `connections` keep-alive connections.
awaitable<void> create_chats(int from, int count, std::vector<Chat>& out) {
  HttpClient c(co_await asio::this_coro::executor);
  if (!co_await c.connect()) co_return;
  for (int i = from; i < from + count; ++i) {
    std::string body = form({{"nickname", "cust" + std::to_string(i)}, {"subject", "load"}});
    auto r = co_await c.call(http::verb::post, "/genesys/2/chat/customer-support", std::move(body),
                             "application/x-www-form-urlencoded");
    if (!r.is_object() || r.at("statusCode") != 0) {
      ++stats.failed;
      continue;
    }
    out[i] = Chat{std::string(r.at("chatId").as_string()), std::string(r.at("userId").as_string()),
                  std::string(r.at("secureKey").as_string())};
  }
}

// Customers send at `rate` per second spread over the connections, for `seconds`.
awaitable<void> send_messages(const std::vector<Chat>& chats, int lane, double rate, std::int64_t until_us) {
  auto ex = co_await asio::this_coro::executor;
  HttpClient c(ex);
  if (!co_await c.connect()) co_return;
  asio::steady_timer timer(ex);
  const auto interval = std::chrono::microseconds(static_cast<std::int64_t>(1e6 / rate));
  auto next = std::chrono::steady_clock::now();
  std::size_t k = static_cast<std::size_t>(lane);
  while (now_us() < until_us) {
    next += interval;
    timer.expires_at(next);
    co_await timer.async_wait(nothrow);
    const Chat& chat = chats[k % chats.size()];
    k += static_cast<std::size_t>(opt.connections);
    if (chat.id.empty()) continue;
    const std::int64_t t0 = now_us();
    std::string body = form({{"userId", chat.user_id}, {"secureKey", chat.key}, {"message", "t:" + std::to_string(t0)}});
    auto r = co_await c.call(http::verb::post, "/genesys/2/chat/customer-support/" + chat.id + "/send", std::move(body),
                             "application/x-www-form-urlencoded");
    if (r.is_object() && r.at("statusCode") == 0) {
      ++stats.acked;
      stats.ack_ms.push_back((now_us() - t0) / 1000.0);
    } else {
      ++stats.failed;
    }
  }
}

// Supervisors: each monitors some agents with includeCurrentChats; half switch Monitor <-> Coach.
awaitable<void> run_supervisor(int n, int agents, std::map<std::string, std::string> agent_ids, bool* stop) {
  auto ex = co_await asio::this_coro::executor;
  const std::string auth = basic("loadsup" + std::to_string(n), "pw");
  HttpClient c(ex);
  if (!co_await c.connect()) co_return;
  co_await c.call(http::verb::post, "/api/v2/me", R"({"operationName":"StartContactCenterSession","channels":["chat"]})",
                  "application/json", auth);
  for (int a = n; a < agents; a += std::max(1, opt.supervisors)) {
    const std::string id = agent_ids["loadagent" + std::to_string(a)];
    co_await c.call(http::verb::post, "/api/v2/users/" + id + "/channels/chat",
                    R"({"operationName":"Monitor","includeCurrentChats":true})", "application/json", auth);
  }
  if (n % 2) co_return;  // the other half only monitors
  asio::steady_timer timer(ex);
  bool coach = false;
  while (!*stop) {
    timer.expires_after(std::chrono::seconds(3));
    co_await timer.async_wait(nothrow);
    coach = !coach;
    auto chats = co_await c.call(http::verb::get, "/api/v2/me/chats", "", "", auth);
    if (!chats.is_object()) continue;
    for (const auto& ch : chats.at("chats").as_array()) {
      const std::string id(ch.at("id").as_string());
      co_await c.call(http::verb::post, "/api/v2/me/chats/" + id,
                      coach ? R"({"operationName":"SwitchToCoach"})" : R"({"operationName":"SwitchToMonitor"})",
                      "application/json", auth);
    }
  }
}

awaitable<void> run() {
  auto ex = co_await asio::this_coro::executor;
  HttpClient admin(ex);
  if (!co_await admin.connect()) {
    std::cerr << "cannot connect\n";
    co_return;
  }
  const std::string admin_auth = basic("admin", "password");
  // Agents (and supervisors) with enough capacity for the chats.
  const int capacity = std::min(100, (opt.chats + opt.agents - 1) / opt.agents + 1);
  std::map<std::string, std::string> ids;
  auto ensure_user = [&](const std::string& name, const char* roles) -> awaitable<void> {
    auto r = co_await admin.call(http::verb::post, "/api/v2/users",
                                 R"({"userName":")" + name + R"(","password":"pw","roles":)" + roles +
                                     R"(,"chatCapacity":)" + std::to_string(capacity) + "}",
                                 "application/json", admin_auth);
    (void)r;
  };
  for (int a = 0; a < opt.agents; ++a) co_await ensure_user("loadagent" + std::to_string(a), R"(["ROLE_AGENT"])");
  for (int s = 0; s < opt.supervisors; ++s)
    co_await ensure_user("loadsup" + std::to_string(s), R"(["ROLE_AGENT","ROLE_SUPERVISOR"])");
  auto users = co_await admin.call(http::verb::get, "/api/v2/users", "", "", admin_auth);
  for (const auto& u : users.at("users").as_array())
    ids[std::string(u.at("userName").as_string())] = std::string(u.at("id").as_string());

  bool stop = false;
  for (int a = 0; a < opt.agents; ++a) {
    const std::string name = "loadagent" + std::to_string(a);
    HttpClient c(ex);
    co_await c.connect();
    co_await c.call(http::verb::post, "/api/v2/me", R"({"operationName":"StartContactCenterSession","channels":["chat"]})",
                    "application/json", basic(name, "pw"));
    const std::string password = "pw";
    const long connected = stats.agents_connected;
    asio::co_spawn(ex, run_agent(name, password, &stop), asio::detached);
    // Ready only once the agent listens: an offer it never hears of would time out.
    asio::steady_timer settle(ex);
    for (int i = 0; i < 500 && stats.agents_connected == connected; ++i) {
      settle.expires_after(std::chrono::milliseconds(5));
      co_await settle.async_wait(nothrow);
    }
    co_await c.call(http::verb::post, "/api/v2/me/channels/chat", R"({"operationName":"Ready"})", "application/json",
                    basic(name, "pw"));
  }
  const long rss_before = opt.pid ? rss_kib(opt.pid) : 0;

  // Phase 1: create the chats; agents accept them as the offers arrive.
  std::vector<Chat> chats(static_cast<std::size_t>(opt.chats));
  auto t0 = now_us();
  {
    const int lanes = std::min(opt.connections, opt.chats);
    const int per = (opt.chats + lanes - 1) / lanes;
    std::vector<awaitable<void>> jobs;
    int started = 0;
    int lanes_done = 0;
    for (int l = 0; l < lanes; ++l) {
      const int from = l * per, count = std::min(per, opt.chats - from);
      if (count <= 0) break;
      ++started;
      asio::co_spawn(ex, create_chats(from, count, chats), [&lanes_done](std::exception_ptr) { ++lanes_done; });
    }
    asio::steady_timer wait(ex);
    while (lanes_done < started) {
      wait.expires_after(std::chrono::milliseconds(10));
      co_await wait.async_wait(nothrow);
    }
  }
  const double create_s = (now_us() - t0) / 1e6;
  asio::steady_timer wait(ex);
  const auto accept_deadline = now_us() + 60'000'000;
  while (stats.accepted < opt.chats - stats.failed && now_us() < accept_deadline) {
    wait.expires_after(std::chrono::milliseconds(20));
    co_await wait.async_wait(nothrow);
  }
  const double accept_s = (now_us() - t0) / 1e6;
  const long rss_chats = opt.pid ? rss_kib(opt.pid) : 0;
  for (int s = 0; s < opt.supervisors; ++s) asio::co_spawn(ex, run_supervisor(s, opt.agents, ids, &stop), asio::detached);

  // Phase 2: messages at a fixed rate.
  const auto cpu_before = cpu_by_name();
  const auto until = now_us() + static_cast<std::int64_t>(opt.seconds) * 1'000'000;
  int lanes_done = 0;
  for (int l = 0; l < opt.connections; ++l)
    asio::co_spawn(ex, send_messages(chats, l, opt.rate / opt.connections, until),
                   [&lanes_done](std::exception_ptr) { ++lanes_done; });
  while (lanes_done < opt.connections) {
    wait.expires_after(std::chrono::milliseconds(20));
    co_await wait.async_wait(nothrow);
  }
  wait.expires_after(std::chrono::milliseconds(500));  // late deliveries
  co_await wait.async_wait(nothrow);
  const auto cpu_after = cpu_by_name();
  stop = true;
  const long rss_end = opt.pid ? rss_kib(opt.pid) : 0;

  std::printf("chats            %d created in %.2f s (%.0f/s), all accepted after %.2f s; %ld offers, %ld accepted\n",
              opt.chats, create_s, opt.chats / create_s, accept_s, stats.offers, stats.accepted);
  std::printf("messages         offered %.0f/s for %d s: %ld acknowledged (%.0f/s), %ld failed\n", opt.rate, opt.seconds,
              stats.acked, stats.acked / double(opt.seconds), stats.failed);
  std::printf("ack latency      p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms\n", percentile(stats.ack_ms, 0.5),
              percentile(stats.ack_ms, 0.99), percentile(stats.ack_ms, 0.999));
  std::printf("delivery         %ld to agents; customer->agent p50 %.2f ms  p99 %.2f ms\n", stats.delivered,
              percentile(stats.deliver_ms, 0.5), percentile(stats.deliver_ms, 0.99));
  if (opt.pid)
    std::printf("server RSS       %ld MiB with agents only, %ld MiB with %d chats (%.1f KiB per chat), %ld MiB at the end\n",
                rss_before / 1024, rss_chats / 1024, opt.chats, double(rss_chats - rss_before) / opt.chats, rss_end / 1024);
  for (const auto& [name, seconds] : cpu_after) {
    const double used = seconds - cpu_before.at(name);
    std::printf("cpu %-12s %.2f s in the message phase, %.0f us per acknowledged message\n", name.c_str(), used,
                stats.acked ? used * 1e6 / double(stats.acked) : 0.0);
  }
  std::fflush(stdout);
  std::exit(0);
}

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") opt.port = static_cast<unsigned short>(std::stoi(v));
    else if (k == "--ports") {
      std::stringstream list(v);
      std::string item;
      while (std::getline(list, item, ',')) opt.ports.push_back(static_cast<unsigned short>(std::stoi(item)));
    }
    else if (k == "--chats") opt.chats = std::stoi(v);
    else if (k == "--agents") opt.agents = std::stoi(v);
    else if (k == "--supervisors") opt.supervisors = std::stoi(v);
    else if (k == "--rate") opt.rate = std::stod(v);
    else if (k == "--seconds") opt.seconds = std::stoi(v);
    else if (k == "--connections") opt.connections = std::stoi(v);
    else if (k == "--pid") opt.pid = std::stoi(v);
    else if (k == "--cpu") {
      std::stringstream list(v);
      std::string item;
      while (std::getline(list, item, ',')) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw std::invalid_argument("--cpu takes name=pid,...");
        opt.cpu.emplace_back(item.substr(0, eq), std::stoi(item.substr(eq + 1)));
      }
    }
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  asio::io_context io(1);
  asio::co_spawn(io, run(), asio::detached);
  io.run();
}
