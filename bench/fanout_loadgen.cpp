// CometD fan-out load generator (bench/fanout.sh drives it). Opens S raw Bayeux websocket
// sessions against Parley (/api/v2/notifications, the agents' channel-state notification)
// or Faye (/faye, channel /u/<k>), U users x F sessions each; a publisher issues publish
// requests over keep-alive HTTP at a ladder of rates (each op -> F deliveries) and every
// delivery's publish->delivery latency is taken from the timestamp carried in the payload.
// One thread, one io_context: the generator uses at most one of the box's cores.
// --idle only opens the sessions and holds them, to measure the server's RSS per session.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using asio::awaitable;
using asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

static std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Options {
  bool faye = false;  // --target parley|faye
  unsigned short port = 0;
  int users = 10, per_user = 100, first_user = 1;
  std::string user_prefix = "bench", password = "pw";
  std::vector<double> rates;  // publish ops/s
  double duration = 5, drain = 3, pause = 1, hold = 5;
  int publishers = 16, open_concurrency = 64, server_pid = 0;
  // The box is shared: a rung during which other processes used more than this many cores
  // is run again (at most `retries` times), after waiting (bounded) for a quieter moment.
  double max_other_cpu = 0.25;
  int retries = 3;
  bool idle = false;
};

// ---- server process figures (/proc) and our own CPU ----
static long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}
static double cpu_seconds(int pid) {  // utime + stime of a process
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  auto p = all.rfind(')');
  if (p == std::string::npos) return 0;
  std::istringstream rest(all.substr(p + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> f; ++i)
    if (i >= 14) ticks += std::stod(f);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}
static double machine_busy_seconds() {  // all CPUs, from /proc/stat
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}
static double own_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

struct Session {
  explicit Session(asio::io_context& io) : ws(io) {}
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::string client_id;
  int user = 0, next_id = 1;
  std::string failure;  // why the start-up failed, for the report
};

struct StepStats {
  double rate = 0;
  std::int64_t t0 = 0, offered = 0, ok = 0, failed = 0, unsent = 0, expected = 0, received = 0;
  std::int64_t last_delivery = 0;
  std::vector<std::uint32_t> latency_us;
};

struct PublishOp {
  int step, user;
};

struct Ctx {
  Ctx(asio::io_context& io, Options o) : io(io), opt(std::move(o)), publish_wake(io) {
    publish_wake.expires_at(asio::steady_timer::time_point::max());
  }
  asio::io_context& io;
  Options opt;
  tcp::endpoint endpoint;
  std::vector<std::string> cookie, csrf;  // per user (Parley: the agent desktop's session)
  std::vector<std::unique_ptr<Session>> sessions;
  std::vector<int> ready_per_user;
  int next_open = 0, ready = 0, failed_open = 0, dropped = 0, rehandshakes = 0;
  std::int64_t late = 0, unparsed = 0;  // deliveries after their step was reported / without our stamp
  std::vector<StepStats> steps;
  int finalized = -1;  // steps <= finalized are reported
  std::deque<PublishOp> queue;
  asio::steady_timer publish_wake;  // expiry never moves; cancel() wakes every idle publisher
  std::int64_t publish_deadline = 0;
  int in_flight = 0;
  bool stopping = false;

  std::string user_name(int k) const {
    char n[32];
    std::snprintf(n, sizeof n, "%03d", opt.first_user + k);
    return opt.user_prefix + n;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(opt.port); }
};

// ---- Bayeux messages ----
static std::string handshake_message(Session& s) {
  return R"([{"channel":"/meta/handshake","version":"1.0","minimumVersion":"1.0",)"
         R"("supportedConnectionTypes":["websocket"],"id":")" + std::to_string(s.next_id++) + "\"}]";
}
static std::string subscribe_message(Ctx& ctx, Session& s) {
  const std::string channel = ctx.opt.faye ? "/u/" + std::to_string(s.user) : "/v2/me/*";
  return R"([{"channel":"/meta/subscribe","clientId":")" + s.client_id + R"(","subscription":")" + channel +
         R"(","id":")" + std::to_string(s.next_id++) + "\"}]";
}
static std::string connect_message(Session& s, bool first) {
  return R"([{"channel":"/meta/connect","clientId":")" + s.client_id + R"(","connectionType":"websocket",)" +
         (first ? R"("advice":{"timeout":0},)" : "") + R"("id":")" + std::to_string(s.next_id++) + "\"}]";
}

struct FrameResult {
  bool handshake = false, subscribed = false, connect_ok = false, rehandshake = false, failed = false;
};

// The stamp "<step>:<µs>" rides in data.reason (Faye) or data.channels[].userState.reason (Parley).
static const json::string* find_reason(const json::object& data) {
  if (auto r = data.if_contains("reason"); r && r->is_string()) return &r->get_string();
  if (auto ch = data.if_contains("channels"); ch && ch->is_array())
    for (const auto& c : ch->get_array())
      if (auto st = c.is_object() ? c.get_object().if_contains("userState") : nullptr; st && st->is_object())
        if (auto r = st->get_object().if_contains("reason"); r && r->is_string()) return &r->get_string();
  return nullptr;
}

static void on_delivery(Ctx& ctx, const json::object& m) {
  const std::int64_t now = now_us();
  auto data = m.if_contains("data");
  const json::string* reason = data && data->is_object() ? find_reason(data->get_object()) : nullptr;
  int step = -1;
  std::int64_t stamp = 0;
  if (reason) {
    std::string_view r(reason->data(), reason->size());
    auto colon = r.find(':');
    if (colon != std::string_view::npos) {
      std::from_chars(r.data(), r.data() + colon, step);
      std::from_chars(r.data() + colon + 1, r.data() + r.size(), stamp);
    }
  }
  if (step < 0 || step >= static_cast<int>(ctx.steps.size()) || stamp <= 0) return void(++ctx.unparsed);
  if (step <= ctx.finalized) return void(++ctx.late);
  StepStats& st = ctx.steps[step];
  ++st.received;
  st.last_delivery = now;
  st.latency_us.push_back(static_cast<std::uint32_t>(std::max<std::int64_t>(0, now - stamp)));
}

static void process_frame(Ctx& ctx, Session& s, std::string_view text, FrameResult& r) {
  unsigned char scratch[16384];
  json::monotonic_resource mr(scratch, sizeof scratch);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, &mr);
  if (ec) return void(r.failed = true);
  json::array one;
  const json::array& batch = v.is_array() ? v.get_array() : (one.push_back(v), one);
  for (const auto& item : batch) {
    if (!item.is_object()) continue;
    const auto& m = item.get_object();
    auto ch = m.if_contains("channel");
    if (!ch || !ch->is_string()) continue;
    const std::string_view channel = ch->get_string();
    auto successful = m.if_contains("successful");
    const bool ok = successful && successful->is_bool() && successful->get_bool();
    if (channel == "/meta/handshake") {
      r.handshake = true;
      if (ok && m.if_contains("clientId")) s.client_id = json::value_to<std::string>(m.at("clientId"));
      else r.failed = true;
    } else if (channel == "/meta/subscribe") {
      r.subscribed = ok;
      r.failed |= !ok;
    } else if (channel == "/meta/connect") {
      r.connect_ok = ok;
      r.rehandshake = !ok;  // 402/401 Unknown client: advice reconnect=handshake
    } else if (!channel.starts_with("/meta/")) {
      on_delivery(ctx, m);
    }
  }
}

static awaitable<bool> send(Session& s, const std::string& text) {
  s.ws.text(true);
  auto [ec, n] = co_await s.ws.async_write(asio::buffer(text), nothrow);
  co_return !ec;
}

// What a start-up read waits for (data messages that arrive meanwhile are recorded).
enum class Reply { handshake, subscribe, connect };

static awaitable<bool> read_until(Ctx& ctx, Session& s, Reply want) {
  for (;;) {
    auto [ec, n] = co_await s.ws.async_read(s.buffer, nothrow);
    if (ec) {
      static const char* const names[] = {"handshake", "subscribe", "connect"};
      s.failure = std::string("waiting for the ") + names[static_cast<int>(want)] + " reply: " + ec.message();
      co_return false;
    }
    FrameResult r;
    const std::string_view text(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
    process_frame(ctx, s, text, r);
    if (r.failed || r.rehandshake) s.failure = "reply: " + std::string(text.substr(0, 300));
    s.buffer.consume(s.buffer.size());
    if (r.failed || r.rehandshake) co_return false;
    if ((want == Reply::handshake && r.handshake) || (want == Reply::subscribe && r.subscribed) ||
        (want == Reply::connect && r.connect_ok))
      co_return true;
  }
}

// One request and its reply.
static awaitable<bool> exchange(Ctx& ctx, Session& s, const std::string& message, Reply want) {
  const bool sent = co_await send(s, message);
  if (!sent) co_return false;
  const bool answered = co_await read_until(ctx, s, want);
  co_return answered;
}

// handshake, subscribe, the immediate first connect, then the connect the server holds.
static awaitable<bool> bayeux_start(Ctx& ctx, Session& s) {
  std::string m = handshake_message(s);
  bool ok = co_await exchange(ctx, s, m, Reply::handshake);
  if (!ok) co_return false;
  m = subscribe_message(ctx, s);
  ok = co_await exchange(ctx, s, m, Reply::subscribe);
  if (!ok) co_return false;
  m = connect_message(s, true);
  ok = co_await exchange(ctx, s, m, Reply::connect);
  if (!ok) co_return false;
  m = connect_message(s, false);
  ok = co_await send(s, m);
  co_return ok;
}

static awaitable<bool> open_session(Ctx& ctx, Session& s) {
  auto& tcp_layer = beast::get_lowest_layer(s.ws);
  tcp_layer.expires_after(10s);
  auto [ec] = co_await tcp_layer.async_connect(ctx.endpoint, nothrow);
  if (ec) {
    s.failure = "connect: " + ec.message();
    co_return false;
  }
  tcp_layer.expires_never();
  tcp_layer.socket().set_option(tcp::no_delay(true));
  websocket::stream_base::timeout t{};
  t.handshake_timeout = 10s;
  t.idle_timeout = 10s;  // bounds the start-up exchange; lifted once the session runs
  t.keep_alive_pings = false;
  s.ws.set_option(t);
  if (!ctx.opt.faye) {
    std::string cookie = ctx.cookie[s.user];
    s.ws.set_option(websocket::stream_base::decorator(
        [cookie](websocket::request_type& req) { req.set(http::field::cookie, cookie); }));
  }
  const std::string host = ctx.host();
  const std::string path = ctx.opt.faye ? "/faye" : "/api/v2/notifications";
  auto [hec] = co_await s.ws.async_handshake(host, path, nothrow);
  if (hec) {
    s.failure = "websocket upgrade: " + hec.message();
    co_return false;
  }
  bool ok = co_await bayeux_start(ctx, s);
  t.idle_timeout = websocket::stream_base::none();
  s.ws.set_option(t);
  co_return ok;
}

// Steady state: record deliveries, send the next connect after each connect reply.
static awaitable<void> run_session(Ctx& ctx, Session& s) {
  for (;;) {
    auto [ec, n] = co_await s.ws.async_read(s.buffer, nothrow);
    FrameResult r;
    if (!ec)
      process_frame(ctx, s, std::string_view(static_cast<const char*>(s.buffer.data().data()), s.buffer.size()), r);
    s.buffer.consume(s.buffer.size());
    bool ok = !ec && !r.failed;
    if (ok && r.rehandshake) {
      ++ctx.rehandshakes;
      ok = co_await bayeux_start(ctx, s);
    } else if (ok && r.connect_ok) {
      std::string m = connect_message(s, false);
      ok = co_await send(s, m);
    }
    if (!ok) {
      if (!ctx.stopping) ++ctx.dropped, --ctx.ready_per_user[s.user];
      co_return;
    }
  }
}

static awaitable<void> opener(Ctx& ctx) {
  while (ctx.next_open < static_cast<int>(ctx.sessions.size())) {
    Session& s = *ctx.sessions[ctx.next_open++];
    bool ok = co_await open_session(ctx, s);
    if (!ok) {
      if (++ctx.failed_open <= 5) std::cerr << "a session did not open: " << s.failure << "\n";
      continue;
    }
    ++ctx.ready;
    ++ctx.ready_per_user[s.user];
    asio::co_spawn(ctx.io, run_session(ctx, s), asio::detached);
  }
}

// ---- HTTP ----
static std::string basic_auth(const std::string& user, const std::string& password) {
  const std::string plain = user + ":" + password;
  std::string out(beast::detail::base64::encoded_size(plain.size()), '\0');
  out.resize(beast::detail::base64::encode(out.data(), plain.data(), plain.size()));
  return "Basic " + out;
}

// Parley: each user logs in once (Basic) and then works with its session cookie and CSRF
// token, as the agent desktop does.
static awaitable<bool> login_users(Ctx& ctx) {
  beast::tcp_stream stream(ctx.io);
  stream.expires_after(10s);
  auto [ec] = co_await stream.async_connect(ctx.endpoint, nothrow);
  if (ec) co_return false;
  beast::flat_buffer buffer;
  for (int k = 0; k < ctx.opt.users; ++k) {
    http::request<http::empty_body> req{http::verb::get, "/api/v2/me", 11};
    req.set(http::field::host, ctx.host());
    req.set(http::field::authorization, basic_auth(ctx.user_name(k), ctx.opt.password));
    http::response<http::string_body> res;
    stream.expires_after(10s);
    auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
    if (wec) co_return false;
    auto [rec, rn] = co_await http::async_read(stream, buffer, res, nothrow);
    if (rec || res.result() != http::status::ok) {
      std::cerr << "login " << ctx.user_name(k) << ": " << (rec ? rec.message() : std::to_string(res.result_int()))
                << "\n";
      co_return false;
    }
    std::string cookie(res[http::field::set_cookie]);
    ctx.cookie[k] = cookie.substr(0, cookie.find(';'));
    ctx.csrf[k] = std::string(res["X-CSRF-TOKEN"]);
  }
  co_return true;
}

static void prepare(Ctx& ctx, http::request<http::string_body>& req, const PublishOp& op, std::int64_t stamp) {
  const std::string reason = std::to_string(op.step) + ":" + std::to_string(stamp);
  req.version(11);
  req.method(http::verb::post);
  req.set(http::field::host, ctx.host());
  if (ctx.opt.faye) {
    req.target("/publish?user=" + std::to_string(op.user) + "&reason=" + reason);
  } else {
    req.target("/api/v2/me/channels/chat");
    req.set(http::field::cookie, ctx.cookie[op.user]);
    req.set("X-CSRF-TOKEN", ctx.csrf[op.user]);
    req.set(http::field::content_type, "application/json");
    req.body() = R"({"operationName":"NotReady","reason":")" + reason + "\"}";
  }
  req.prepare_payload();
}

// One keep-alive connection; takes ops from the shared queue one request at a time.
static awaitable<void> publisher(Ctx& ctx) {
  beast::tcp_stream stream(ctx.io);
  beast::flat_buffer buffer;
  asio::steady_timer backoff(ctx.io);
  bool connected = false;
  for (;;) {
    if (ctx.queue.empty()) {
      if (ctx.stopping) co_return;
      co_await ctx.publish_wake.async_wait(nothrow);
      continue;
    }
    const PublishOp op = ctx.queue.front();
    ctx.queue.pop_front();
    StepStats& st = ctx.steps[op.step];
    if (now_us() > ctx.publish_deadline) {  // the server fell this far behind: not offered
      ++st.unsent;
      continue;
    }
    ++ctx.in_flight;
    bool ok = connected;
    if (!connected) {
      stream.expires_after(5s);
      auto [ec] = co_await stream.async_connect(ctx.endpoint, nothrow);
      ok = connected = !ec;
      if (ok) stream.socket().set_option(tcp::no_delay(true));
    }
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    if (ok) {
      prepare(ctx, req, op, now_us());
      stream.expires_after(10s);
      auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
      ok = !wec;
    }
    if (ok) {
      auto [rec, rn] = co_await http::async_read(stream, buffer, res, nothrow);
      ok = !rec && res.result() == http::status::ok &&
           (ctx.opt.faye || res.body().find(R"("statusCode":0)") != std::string::npos);
      if (rec || !res.keep_alive()) {
        stream.socket().close();
        connected = false;
      }
    }
    --ctx.in_flight;
    if (ok) {
      ++st.ok;
      st.expected += ctx.ready_per_user[op.user];
    } else {
      if (++st.failed <= 3) std::cerr << "publish failed: " << res.result_int() << " " << res.body() << "\n";
      if (!connected) {
        backoff.expires_after(10ms);
        co_await backoff.async_wait(nothrow);
      }
    }
  }
}

static awaitable<void> sleep_ms(Ctx& ctx, long ms) {
  asio::steady_timer t(ctx.io, std::chrono::milliseconds(ms));
  co_await t.async_wait(nothrow);
}

static double pct(const std::vector<std::uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * sorted.size()))] / 1000.0;
}

// One rung of the ladder: open-loop schedule at `rate` for `duration`, then drain.
// Returns the CPU other processes used meanwhile (cores).
static awaitable<double> run_step(Ctx& ctx, int k, double rate, double duration, bool report, int attempt) {
  StepStats& st = ctx.steps[k];
  st.rate = rate;
  st.t0 = now_us();
  st.offered = std::llround(rate * duration);
  const double cpu0 = own_cpu_seconds(), srv0 = ctx.opt.server_pid ? cpu_seconds(ctx.opt.server_pid) : 0;
  const double busy0 = machine_busy_seconds();
  long rss_max = 0;
  const std::int64_t end_us = st.t0 + static_cast<std::int64_t>(duration * 1e6);
  ctx.publish_deadline = end_us + 2'000'000;  // a backlog older than 2 s is dropped, not sent
  std::int64_t issued = 0, next_sample = 0, published_at = 0;
  asio::steady_timer tick(ctx.io);
  for (;;) {
    const std::int64_t now = now_us();
    const std::int64_t due = std::min(st.offered, static_cast<std::int64_t>(rate * (now - st.t0) / 1e6) + 1);
    for (; issued < due; ++issued) ctx.queue.push_back(PublishOp{k, static_cast<int>(issued % ctx.opt.users)});
    ctx.publish_wake.cancel();
    if (now >= next_sample && ctx.opt.server_pid) {
      rss_max = std::max(rss_max, rss_kib(ctx.opt.server_pid));
      next_sample = now + 100'000;
    }
    const bool publishing = issued < st.offered || !ctx.queue.empty() || ctx.in_flight > 0;
    if (!publishing) {
      if (published_at == 0) published_at = now;
      // Every expected delivery arrived, or the drain time since the last publish passed.
      if (st.received >= st.expected || now > published_at + ctx.opt.drain * 1e6) break;
    }
    if (now > end_us + 12'000'000 + ctx.opt.drain * 1e6) break;  // hard bound (requests time out at 10 s)
    tick.expires_after(1ms);
    co_await tick.async_wait(nothrow);
  }
  ctx.finalized = k;
  const double wall = (now_us() - st.t0) / 1e6;
  const double gen_cpu = (own_cpu_seconds() - cpu0) / wall;
  const double srv_cpu = ctx.opt.server_pid ? (cpu_seconds(ctx.opt.server_pid) - srv0) / wall : 0;
  // Whatever else ran on the box meanwhile (it competes with the server and with us).
  const double other_cpu = std::max(0.0, (machine_busy_seconds() - busy0) / wall - gen_cpu - srv_cpu);
  if (!report) co_return other_cpu;
  std::sort(st.latency_us.begin(), st.latency_us.end());
  // Delivery rate over the time it took: at least the publishing window, longer if late.
  const double span = std::max(duration, (st.last_delivery - st.t0) / 1e6);
  const std::int64_t lost = std::max<std::int64_t>(0, st.expected - st.received);
  std::printf(
      "STEP target=%s rate=%g offered_ops=%lld ok_ops=%lld failed_ops=%lld unsent_ops=%lld expected=%lld "
      "received=%lld lost=%lld offered_dps=%.0f dps=%.0f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f "
      "server_rss_kib=%ld server_cpu=%.2f gen_cpu=%.2f other_cpu=%.2f attempt=%d dropped_sessions=%d "
      "rehandshakes=%d\n",
      ctx.opt.faye ? "faye" : "parley", rate, (long long)st.offered, (long long)st.ok, (long long)st.failed,
      (long long)st.unsent, (long long)st.expected, (long long)st.received, (long long)lost,
      rate * ctx.opt.per_user, st.received / span, pct(st.latency_us, 0.50), pct(st.latency_us, 0.99),
      pct(st.latency_us, 0.999), pct(st.latency_us, 1.0), rss_max, srv_cpu, gen_cpu, other_cpu, attempt,
      ctx.dropped, ctx.rehandshakes);
  std::fflush(stdout);
  st.latency_us = {};
  co_return other_cpu;
}

// Waits until other processes use at most max_other_cpu cores over a second (our own
// sessions and the server idle between rungs, apart from held connects), for at most `limit_s`.
static awaitable<void> wait_for_quiet(Ctx& ctx, int limit_s) {
  for (int i = 0; i < limit_s; ++i) {
    const double busy0 = machine_busy_seconds(), own0 = own_cpu_seconds();
    const double srv0 = ctx.opt.server_pid ? cpu_seconds(ctx.opt.server_pid) : 0;
    co_await sleep_ms(ctx, 1000);
    const double srv = ctx.opt.server_pid ? cpu_seconds(ctx.opt.server_pid) - srv0 : 0;
    if (machine_busy_seconds() - busy0 - (own_cpu_seconds() - own0) - srv <= ctx.opt.max_other_cpu) co_return;
  }
}

static awaitable<int> main_flow(Ctx& ctx) {
  const Options& opt = ctx.opt;
  const int total = opt.users * opt.per_user;
  ctx.cookie.resize(opt.users);
  ctx.csrf.resize(opt.users);
  ctx.ready_per_user.assign(opt.users, 0);
  if (!opt.faye) {
    const bool logged_in = co_await login_users(ctx);
    if (!logged_in) co_return 1;
  }
  co_await sleep_ms(ctx, 1000);
  const long rss_before = opt.server_pid ? rss_kib(opt.server_pid) : 0;
  for (int i = 0; i < total; ++i) {
    ctx.sessions.push_back(std::make_unique<Session>(ctx.io));
    ctx.sessions.back()->user = i / opt.per_user;
  }
  const std::int64_t t_open = now_us();
  for (int i = 0; i < opt.open_concurrency; ++i) asio::co_spawn(ctx.io, opener(ctx), asio::detached);
  const std::int64_t open_limit = t_open + 60'000'000 + total * 10'000LL;
  while (ctx.ready + ctx.failed_open < total && now_us() < open_limit) co_await sleep_ms(ctx, 10);
  std::printf("OPEN target=%s sessions=%d ready=%d failed=%d seconds=%.1f\n", opt.faye ? "faye" : "parley", total,
              ctx.ready, ctx.failed_open, (now_us() - t_open) / 1e6);
  std::fflush(stdout);
  if (ctx.ready == 0) co_return 1;

  if (opt.idle) {
    const double srv0 = opt.server_pid ? cpu_seconds(opt.server_pid) : 0;
    const std::int64_t t_hold = now_us();
    co_await sleep_ms(ctx, static_cast<long>(opt.hold * 1000));
    const long rss_after = opt.server_pid ? rss_kib(opt.server_pid) : 0;
    const double srv_cpu = opt.server_pid ? (cpu_seconds(opt.server_pid) - srv0) / ((now_us() - t_hold) / 1e6) : 0;
    std::printf("IDLE target=%s sessions=%d still_open=%d rss_before_kib=%ld rss_after_kib=%ld "
                "kib_per_session=%.2f idle_server_cpu=%.3f\n",
                opt.faye ? "faye" : "parley", ctx.ready, ctx.ready - ctx.dropped, rss_before, rss_after,
                static_cast<double>(rss_after - rss_before) / ctx.ready, srv_cpu);
    co_return 0;
  }

  for (int i = 0; i < opt.publishers; ++i) asio::co_spawn(ctx.io, publisher(ctx), asio::detached);
  ctx.steps.resize(1 + opt.rates.size() * (opt.retries + 1));
  co_await run_step(ctx, 0, 20, 1, false, 0);  // warm-up (Faye's JIT, connection set-up), not reported
  int k = 1;
  for (double rate : opt.rates) {
    for (int attempt = 1; attempt <= opt.retries + 1; ++attempt) {
      co_await sleep_ms(ctx, static_cast<long>(opt.pause * 1000));
      if (opt.retries > 0) co_await wait_for_quiet(ctx, 30);
      const double other = co_await run_step(ctx, k++, rate, opt.duration, true, attempt);
      if (other <= opt.max_other_cpu) break;
    }
  }
  std::printf("DONE target=%s late=%lld unparsed=%lld\n", opt.faye ? "faye" : "parley", (long long)ctx.late,
              (long long)ctx.unparsed);
  co_return 0;
}

static int usage() {
  std::cerr << "usage: fanout_loadgen --target parley|faye --port P [--users 10] [--sessions-per-user 100]\n"
               "  [--first-user 1] [--user-prefix bench] [--password pw] [--rates 100,250,...] [--duration 5]\n"
               "  [--drain 3] [--pause 1] [--publishers 16] [--open-concurrency 64] [--server-pid PID]\n"
               "  [--max-other-cpu 0.25] [--retries 3]\n"
               "  [--idle --hold 5]\n";
  return 2;
}

int main(int argc, char** argv) {
  Options opt;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--idle") {
        opt.idle = true;
        continue;
      }
      if (i + 1 >= argc) return usage();
      const std::string v = argv[++i];
      if (a == "--target") opt.faye = v == "faye";
      else if (a == "--port") opt.port = static_cast<unsigned short>(std::stoi(v));
      else if (a == "--users") opt.users = std::stoi(v);
      else if (a == "--sessions-per-user") opt.per_user = std::stoi(v);
      else if (a == "--first-user") opt.first_user = std::stoi(v);
      else if (a == "--user-prefix") opt.user_prefix = v;
      else if (a == "--password") opt.password = v;
      else if (a == "--duration") opt.duration = std::stod(v);
      else if (a == "--drain") opt.drain = std::stod(v);
      else if (a == "--pause") opt.pause = std::stod(v);
      else if (a == "--hold") opt.hold = std::stod(v);
      else if (a == "--publishers") opt.publishers = std::stoi(v);
      else if (a == "--open-concurrency") opt.open_concurrency = std::stoi(v);
      else if (a == "--server-pid") opt.server_pid = std::stoi(v);
      else if (a == "--max-other-cpu") opt.max_other_cpu = std::stod(v);
      else if (a == "--retries") opt.retries = std::stoi(v);
      else if (a == "--rates") {
        std::stringstream in(v);
        for (std::string r; std::getline(in, r, ',');) opt.rates.push_back(std::stod(r));
      } else return usage();
    }
  } catch (const std::exception&) {
    return usage();
  }
  if (opt.port == 0 || opt.users <= 0 || opt.per_user <= 0) return usage();
  asio::io_context io(1);
  Ctx ctx(io, opt);
  ctx.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), opt.port);
  int rc = 1;
  asio::co_spawn(io, main_flow(ctx), [&](std::exception_ptr e, int r) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "fanout_loadgen: " << ex.what() << "\n";
      }
    }
    rc = e ? 1 : r;
    io.stop();
  });
  io.run();
  std::fflush(stdout);
  // The kernel closes the sockets; tearing down thousands of suspended coroutines buys nothing.
  _exit(rc);
}
