#include "app/serve.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <iostream>
#include <unistd.h>
#include <optional>
#include <thread>

#include "app/data_dir_lock.hpp"
#include "app/demo.hpp"
#include "common/host_name.hpp"
#include "common/metrics.hpp"
#include "bayeux/endpoint.hpp"
#include "customer/cometd.hpp"
#include "customer/routes.hpp"
#include "gws/chat_notifier.hpp"
#include "gws/floor.hpp"
#include "gws/desk_metrics.hpp"
#include "gws/domain_commit.hpp"
#include "gws/notifications.hpp"
#include "gws/routes.hpp"
#include "http/bayeux_identity.hpp"
#include "http/api_document.hpp"
#include "http/server.hpp"
#include "http/static_site.hpp"
#include "store/pg_conn.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "bus/local_bus.hpp"
#include "bus/nats_bus.hpp"
#include "cluster/node.hpp"

namespace parley::app {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

struct ListenAddress {
  std::string host;
  unsigned short port;
};

ListenAddress parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("listen must be ADDRESS:PORT, got " + text);
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "*") host = "0.0.0.0";
  int port = std::stoi(text.substr(colon + 1));
  if (port < 0 || port > 65535) throw std::invalid_argument("port out of range in " + text);
  return {host, static_cast<unsigned short>(port)};
}

RouteList operational_routes(const store::Store& store, const cluster::Node* node) {
  RouteList routes;
  // Up while the process serves; `store` says whether the last write to the store worked (a
  // full disk shows here while reads go on being answered). In a cluster, `role` says whether
  // this node holds the desk ("owner") or forwards to the node that does ("edge").
  routes.push_back({"GET", "/healthz",
                    [&store, node](Request&) -> awaitable<Response> {
                      boost::json::object health{{"statusCode", 0},
                                                 {"status", "UP"},
                                                 {"store", store.writable() ? "ok" : "failing"}};
                      if (node) {
                        health["node"] = node->name();
                        health["role"] = node->holds_desk() ? "owner" : "edge";
                      }
                      Response r;
                      r.body = boost::json::serialize(health);
                      co_return r;
                    },
                    Access::Public});

  return routes;
}

// CometD sessions by endpoint and transport, and sessions cut off for not keeping up.
std::string bayeux_metrics(const bayeux::Endpoint& gws, const bayeux::Endpoint& customer) {
  const std::pair<const char*, const bayeux::Endpoint*> endpoints[] = {{"gws", &gws}, {"customer", &customer}};
  // Each family's samples stay together after its TYPE line, as the text format requires.
  MetricsText m;
  m.family("parley_bayeux_sessions", "gauge", "Live CometD sessions by endpoint (gws, customer) and transport");
  for (const auto& [name, endpoint] : endpoints) {
    auto by_transport = endpoint->sessions_by_transport();
    for (const char* t : {"websocket", "long-polling"}) by_transport.emplace(t, 0);
    for (const auto& [transport, n] : by_transport)
      m.sample("parley_bayeux_sessions",
               "endpoint=\"" + std::string(name) + "\",transport=\"" + escape_label(transport) + "\"", double(n));
  }
  m.family("parley_bayeux_overflow_closes_total", "counter",
           "CometD sessions closed because their queue was full (the client did not keep up)");
  for (const auto& [name, endpoint] : endpoints)
    m.sample("parley_bayeux_overflow_closes_total", "endpoint=\"" + std::string(name) + "\"",
             double(endpoint->overflow_closes()));
  return m.text();
}

// What the pages need to know about this server: its version, the chat services a customer
// may pick, and with --demo the demo accounts the landing page lists.
Response site_info(const Config& config, const std::vector<std::string>& services) {
  namespace json = boost::json;
  json::object info;
  info["version"] = PARLEY_VERSION;
  info["demo"] = config.demo;
  json::array service_list;
  for (const auto& s : services) service_list.emplace_back(s);
  info["services"] = std::move(service_list);
  json::array users;
  if (config.demo) {
    for (const auto& u : demo_users()) {
      json::array roles;
      for (auto role : u.roles) roles.emplace_back(chat::role_name(role));
      users.push_back(json::object{{"userName", u.name},
                                   {"password", kDemoPassword},
                                   {"firstName", u.first},
                                   {"lastName", u.last},
                                   {"roles", std::move(roles)}});
    }
  }
  info["users"] = std::move(users);
  Response r;
  r.body = json::serialize(info);
  r.set_header("Cache-Control", "no-cache");
  return r;
}

// Ends idle HTTP sessions, then the contact-center sessions of users idle as long.
awaitable<void> sweep_idle(gws::ApiContext& ctx, bayeux::Endpoint& notifications, std::chrono::milliseconds idle,
                           const http::HttpServer& server) {
  asio::steady_timer timer(ctx.io);
  const auto period = std::clamp<std::chrono::milliseconds>(idle / 4, std::chrono::milliseconds(250),
                                                            std::chrono::milliseconds(5000));
  while (!server.shutting_down()) {
    timer.expires_after(period);
    co_await timer.async_wait(asio::use_awaitable);
    // A live CometD session counts as activity: its user is at the desktop.
    std::vector<std::string> connected = co_await notifications.users_with_sessions();
    for (const auto& user_id : connected) ctx.accounts.note_activity(user_id);
    auto expired = ctx.accounts.expire_idle_sessions();
    if (!expired.empty()) {
      const std::error_code ec = co_await ctx.commit(std::move(expired));
      if (ec) spdlog::warn("could not store the end of idle sessions: {}", ec.message());
    }
    co_await ctx.enter_domain();
    auto users = ctx.agents.logged_in_users();
    co_await ctx.leave();
    const TimeMs now = ctx.clock.now_ms();
    for (const auto& user_id : users) {
      if (now - ctx.accounts.last_activity(user_id) <= idle.count()) continue;
      spdlog::info("ending the idle contact-center session of user {}", user_id);
      co_await gws::end_contact_center_session(ctx, user_id);
    }
  }
}

// A cluster node's default name: where it runs and listens.
std::string default_node_name(unsigned short port) { return host_name() + ":" + std::to_string(port); }

// Waits for in-flight requests to finish (at most `grace`), then stops the I/O threads.
// `forwarded` counts requests other cluster nodes sent here.
awaitable<void> drain_and_stop(asio::io_context& io, http::HttpServer& server, std::chrono::milliseconds grace,
                               std::function<std::size_t()> forwarded) {
  asio::steady_timer timer(io);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while ((server.in_flight() > 0 || forwarded() > 0) && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::use_awaitable);
  }
  io.stop();
}

}  // namespace

int run_server(const Config& config, bool list_routes_only);

int serve(const Config& config) { return run_server(config, false); }

int print_routes(const Config& config) { return run_server(config, true); }

int run_server(const Config& config, bool list_routes_only) {
  const auto listen_at = parse_listen(config.listen);
  const bool shared_store = !config.store.empty();
  std::optional<DataDirLock> lock;
  if (!list_routes_only && !shared_store) lock.emplace(config.data_dir);
  SystemClock clock;
  const auto durability = config.durability == "process" ? store::Durability::Process : store::Durability::Disk;
  std::unique_ptr<store::Store> opened;
  store::PgStore* pg_store = nullptr;
  store::Snapshot snapshot;
  if (shared_store) {
    // Shared: the desk is loaded when this node takes the desk lease, not here.
    auto pg = std::make_unique<store::PgStore>(store::PgStoreOptions{config.store, durability});
    pg_store = pg.get();
    opened = std::move(pg);
  } else {
    try {
      auto sqlite = std::make_unique<store::SqliteStore>(store::SqliteStoreOptions{config.data_dir, durability});
      snapshot = sqlite->load();
      opened = std::move(sqlite);
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot open the store in " + config.data_dir + " (" + e.what() +
                               "); check that the disk has space and the directory is writable");
    }
  }
  store::Store& store = *opened;
  gws::Accounts accounts(clock, {static_cast<TimeMs>(config.session_idle_timeout) * 1000,
                                 static_cast<std::size_t>(config.max_sessions_per_user),
                                 config.login_failures_per_minute, config.login_failures_per_minute * 10});

  const int threads = config.io_threads > 0 ? config.io_threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context io(threads);
  asio::thread_pool password_pool(2);  // Argon2id needs 64 MiB per check: at most two at once
  gws::ApiContext ctx(io.get_executor(), password_pool, store, clock, accounts,
                      gws::ApiSettings{config.csrf, PARLEY_VERSION,
                                       chat::DeskOptions{config.offer_timeout * 1000LL, config.chat_wait_limit * 1000LL,
                                                         config.customer_idle_limit * 1000LL,
                                                         config.customer_idle_close * 1000LL}});
  http::CorsPolicy cors(config.cors_origins);
  http::BayeuxIdentity identity(ctx, cors);
  // A shared store makes this node part of a cluster (of one, without a bus).
  std::unique_ptr<bus::Bus> cluster_bus;
  std::unique_ptr<cluster::Node> node;
  if (shared_store && !list_routes_only) {
    const std::string node_name = !config.node_name.empty() ? config.node_name : default_node_name(listen_at.port);
    if (config.bus.empty()) cluster_bus = std::make_unique<bus::LocalBus>();
    else cluster_bus = std::make_unique<bus::NatsBus>(bus::NatsBusOptions{config.bus, node_name});
    node = std::make_unique<cluster::Node>(
        cluster::NodeOptions{node_name, config.cluster_name, std::chrono::seconds(config.lease_ttl)}, io.get_executor(), *cluster_bus,
        *pg_store, config.store);
  }
  bayeux::Authenticator* gws_identity = node ? static_cast<bayeux::Authenticator*>(node.get()) : &identity;
  bayeux::EngineOptions bayeux_options;
  bayeux_options.hold_ms = config.bayeux_hold * 1000LL;
  bayeux_options.max_interval_ms = config.bayeux_max_interval * 1000LL;
  bayeux_options.max_queue_messages = config.bayeux_queue_messages;
  bayeux_options.max_queue_bytes = config.bayeux_queue_bytes;
  bayeux::Endpoint notifications(io.get_executor(), clock, bayeux_options, gws_identity, "/api/v2/notifications");
  gws::GwsNotifier notifier(notifications);
  ctx.set_listener(&notifier);
  // Notifications are not answers to a request: their `uri`s use the public base URL, or the
  // address the server listens on.
  const std::string notification_base = !config.public_base_url.empty() ? config.public_base_url
                                        : (config.tls_cert.empty() ? "http://" : "https://") + config.listen;
  gws::ChatNotifier chat_notifier(notifications, notification_base);
  ctx.chat_notifier = &chat_notifier;
  gws::FloorNotifier floor_notifier(notifications, notification_base);
  ctx.floor_notifier = &floor_notifier;
  // The desk from the store: users and sessions, agent states, supervisions, services and
  // live chats. At start on one machine; in a cluster when this node takes the desk lease.
  auto load_desk = [&](const store::Snapshot& snap) {
    accounts.restore(snap);
    if (config.demo) seed_demo(store, accounts, snap);
    for (const auto& s : snap.agent_states) ctx.agents.restore(s.user_id, s.state);
    for (const auto& s : snap.supervisions) ctx.desk.restore(s);
    for (const auto& s : snap.services) ctx.desk.add_service(s.name);
    if (config.demo) ctx.desk.add_service(kDemoService);
    store::Batch new_services;
    for (const auto& name : config.services)
      if (!ctx.desk.has_service(name)) {
        ctx.desk.add_service(name);
        new_services.push_back(store::PutService{{name}});
      }
    if (!new_services.empty()) {
      if (auto ec = store.submit_and_wait(std::move(new_services)))
        throw std::runtime_error("services: " + ec.message());
    }
    for (const auto& chat : snap.live_chats) {
      ctx.desk.restore(chat);
      chat_notifier.prime(*ctx.desk.find(chat.id));
    }
  };

  // Customers: no user, the chat's secureKey is the credential (customer.md).
  bayeux::EngineOptions customer_options = bayeux_options;
  customer_options.require_user = false;
  customer_options.may_subscribe = [](std::string_view pattern) { return pattern.starts_with("/service/chatV2/"); };
  bayeux::Endpoint customer_cometd_endpoint(io.get_executor(), clock, customer_options, nullptr, "/genesys/cometd");
  customer::CustomerCometd customer_cometd(ctx, customer_cometd_endpoint);
  ctx.customer_render = [&customer_cometd](chat::Chat& chat, auto& out) { customer_cometd.render(chat, out); };
  ctx.customer_publish = [&customer_cometd](auto& pushes) { customer_cometd.publish(pushes); };

  http::Router router;
  router.add(notifications.routes());
  router.add(customer_cometd_endpoint.routes());
  router.add(gws::me_routes(ctx));
  router.add(gws::user_routes(ctx));
  router.add(gws::diagnostics_routes(ctx));
  router.add(gws::chat_routes(ctx));
  router.add(gws::supervision_routes(ctx));
  router.add(customer::customer_routes(ctx, customer::FileLimits{}));
  router.add(operational_routes(store, node.get()));
  router.add(RouteSpec{"GET", "/metrics",
                       [&ctx, &notifications, &customer_cometd_endpoint](Request&) -> awaitable<Response> {
                         Response r;
                         r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                         r.body = Metrics::global().render();
                         r.body += co_await gws::render_desk_metrics(ctx);
                         r.body += bayeux_metrics(notifications, customer_cometd_endpoint);
                         r.body += process_metrics_text();
                         co_return r;
                       },
                       Access::Public});
  router.add(http::api_document_routes());
  if (!shared_store) load_desk(snapshot);
  std::vector<std::string> service_names = config.services;
  if (config.demo) service_names.insert(service_names.begin(), kDemoService);
  for (const auto& s : snapshot.services)
    if (std::find(service_names.begin(), service_names.end(), s.name) == service_names.end())
      service_names.push_back(s.name);
  router.add(RouteSpec{"GET", "/web/site.json",
                       [&config, service_names](Request&) -> awaitable<Response> {
                         co_return site_info(config, service_names);
                       },
                       Access::Public});
  http::StaticSite site(config.web_root.empty() ? http::default_web_root() : std::filesystem::path(config.web_root));
  router.add(site.routes());
  if (list_routes_only) {
    for (const auto& line : router.list()) std::cout << line << "\n";
    store.stop();
    return 0;
  }
  http::Dispatcher dispatcher(ctx, router, cors, static_cast<std::size_t>(config.max_body),
                              http::RequestLimits{double(config.requests_per_second_per_address),
                                                  double(config.requests_per_second_per_user),
                                                  double(config.chats_per_minute_per_address)});
  dispatcher.set_trusted_proxies(config.trusted_proxies);
  if (node) {
    dispatcher.set_node_name(node->name());
    notifications.set_node_name(node->name());
    customer_cometd_endpoint.set_node_name(node->name());
  }
  http::ServerLimits limits;
  limits.request_line = config.max_request_line;
  limits.headers = config.max_headers;
  limits.header_timeout = std::chrono::seconds(config.header_timeout);
  limits.idle_timeout = std::chrono::seconds(config.idle_timeout);
  if (config.tls_cert.empty() != config.tls_key.empty())
    throw std::invalid_argument("tls_cert and tls_key go together: give both or neither");
  http::HttpServer server(io, dispatcher, limits, config.public_base_url, {config.tls_cert, config.tls_key});
  const auto endpoint = server.listen(listen_at.host, listen_at.port);

  auto& metrics = Metrics::global();
  metrics.describe("parley_http_requests_total", "counter", "HTTP requests by route and status");
  metrics.describe("parley_http_request_duration_seconds", "histogram", "Time from request to answer");
  metrics.gauge("parley_http_connections", "Open HTTP connections", [&server] { return double(server.connections()); });
  metrics.gauge("parley_http_sessions", "Live HTTP sessions (JSESSIONID)", [&accounts] { return double(accounts.session_count()); });

  server.add_websocket(notifications);
  server.add_websocket(customer_cometd_endpoint);
  metrics.gauge("parley_bayeux_queued_messages", "Messages waiting in agents' CometD session queues",
                [&notifications] { return double(notifications.queued_messages()); });
  metrics.gauge("parley_customer_bayeux_queued_messages", "Messages waiting in customers' CometD session queues",
                [&customer_cometd_endpoint] { return double(customer_cometd_endpoint.queued_messages()); });
  metrics.describe("parley_bayeux_deliveries_total", "counter", "Notifications queued for CometD sessions");
  if (node)
    metrics.gauge("parley_cluster_holds_desk", "1 on the cluster node that holds the desk lease, else 0",
                  [n = node.get()] { return n->holds_desk() ? 1.0 : 0.0; });

  server.start();
  notifications.start();
  customer_cometd_endpoint.start();
  const std::chrono::milliseconds idle(config.session_idle_timeout * 1000LL);
  bool stopping = false;
  // Idle sessions and the desk's timers run where the desk is: here, or in a cluster on the
  // node holding the desk lease (so each timer fires once in the cluster).
  auto start_desk_work = [&] {
    asio::co_spawn(io, sweep_idle(ctx, notifications, idle, server), asio::detached);
    asio::co_spawn(io, gws::run_desk_timers(ctx, std::chrono::milliseconds(250), stopping), asio::detached);
  };
  if (!node) {
    start_desk_work();
  } else {
    cluster::NodeParts parts;
    parts.gws = &notifications;
    parts.customer = &customer_cometd_endpoint;
    parts.customer_operations = &customer_cometd;
    parts.dispatcher = &dispatcher;
    parts.local_identity = &identity;
    parts.note_activity = [&accounts](const std::string& user_id) { accounts.note_activity(user_id); };
    parts.take_over = [&] {
      store::Snapshot snap = pg_store->load();
      auto loaded = std::make_shared<std::promise<void>>();
      auto done = loaded->get_future();
      asio::post(ctx.domain, [&load_desk, loaded, snap = std::move(snap)] {
        try {
          load_desk(snap);
          loaded->set_value();
        } catch (...) {
          loaded->set_exception(std::current_exception());
        }
      });
      // A shutdown may stop the I/O threads before the desk is loaded: do not wait for ever.
      while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        if (io.stopped()) throw std::runtime_error("shutting down");
      done.get();
      start_desk_work();
    };
    node->start(std::move(parts));
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: finishing in-flight requests, then exiting", sig);
    server.begin_shutdown();
    if (node) node->begin_shutdown();
    notifications.stop();
    customer_cometd_endpoint.stop();
    stopping = true;
    std::function<std::size_t()> forwarded = [n = node.get()] { return n ? n->in_flight() : std::size_t{0}; };
    asio::co_spawn(io, drain_and_stop(io, server, std::chrono::milliseconds(4000), std::move(forwarded)),
                   asio::detached);
  });

  spdlog::info("web pages: {} files from {}", site.file_count(), site.root().string());
  spdlog::info("Parley {} listening on {}://{}:{} ({})", PARLEY_VERSION, server.secure() ? "https" : "http",
               endpoint.address().to_string(), endpoint.port(),
               shared_store ? "store " + store::redact_url(config.store) +
                                  (node ? ", node " + node->name() + (config.bus.empty() ? "" : ", bus " + config.bus) : "")
                            : "data in " + config.data_dir);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  password_pool.join();
  store.stop();
  // After the last commit: the next holder need not wait for the lease to expire.
  if (node) node->stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace parley::app
