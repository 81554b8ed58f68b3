#include "app/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <fstream>
#include <sstream>

extern char** environ;

namespace parley::app {
namespace {

using Setter = std::function<Status(Config&, const std::string&)>;

Status bad(const std::string& name, const std::string& value, const std::string& why) {
  return make_error(ErrorKind::InvalidValue, "option " + name + ": '" + value + "' " + why);
}

Setter text(std::string Config::*field) {
  return [field](Config& c, const std::string& v) -> Status {
    c.*field = v;
    return Ok{};
  };
}

Setter one_of(std::string Config::*field, std::vector<std::string> allowed, std::string name) {
  return [=](Config& c, const std::string& v) -> Status {
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) return bad(name, v, "is not allowed");
    c.*field = v;
    return Ok{};
  };
}

Setter integer(int Config::*field, int min, int max, std::string name) {
  return [=](Config& c, const std::string& v) -> Status {
    int n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size()) return bad(name, v, "is not an integer");
    if (n < min || n > max)
      return bad(name, v, "is out of range " + std::to_string(min) + ".." + std::to_string(max));
    c.*field = n;
    return Ok{};
  };
}

Setter boolean(bool Config::*field, std::string name) {
  return [=](Config& c, const std::string& v) -> Status {
    if (v == "true" || v == "1" || v == "yes" || v == "on") c.*field = true;
    else if (v == "false" || v == "0" || v == "no" || v == "off") c.*field = false;
    else return bad(name, v, "is not a boolean");
    return Ok{};
  };
}

Setter list(std::vector<std::string> Config::*field) {
  return [=](Config& c, const std::string& v) -> Status {
    std::vector<std::string> items;
    std::stringstream in(v);
    std::string item;
    while (std::getline(in, item, ',')) {
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) items.push_back(item);
    }
    c.*field = items;
    return Ok{};
  };
}

struct OptionDef {
  OptionInfo info;
  Setter set;
};

const std::vector<OptionDef>& table() {
  static const std::vector<OptionDef> defs = [] {
    constexpr int kMaxInt = 1 << 30;
    return std::vector<OptionDef>{
        {{"listen", "address:port to serve on", false}, text(&Config::listen)},
        {{"data_dir", "directory of the embedded store", false}, text(&Config::data_dir)},
        {{"demo", "create demo users and the customer-support service", true}, boolean(&Config::demo, "demo")},
        {{"durability", "disk (sync every commit) or process", false},
         one_of(&Config::durability, {"disk", "process"}, "durability")},
        {{"csrf", "require the CSRF token on cookie-authenticated writes", false}, boolean(&Config::csrf, "csrf")},
        {{"cors_origins", "comma-separated allowed origins, * for any", false}, list(&Config::cors_origins)},
        {{"public_base_url", "base of absolute uri fields (default: from Host)", false},
         text(&Config::public_base_url)},
        {{"session_idle_timeout", "seconds before an idle session ends", false},
         integer(&Config::session_idle_timeout, 1, kMaxInt, "session_idle_timeout")},
        {{"max_sessions_per_user", "concurrent HTTP sessions per user", false},
         integer(&Config::max_sessions_per_user, 1, kMaxInt, "max_sessions_per_user")},
        {{"login_failures_per_minute", "failed logins per user per minute before 429", false},
         integer(&Config::login_failures_per_minute, 1, kMaxInt, "login_failures_per_minute")},
        {{"requests_per_second_per_address", "requests a second one address may make (twice that at once); 0: no limit",
          false},
         integer(&Config::requests_per_second_per_address, 0, kMaxInt, "requests_per_second_per_address")},
        {{"requests_per_second_per_user", "requests a second one signed-in user may make (twice that at once); 0: no limit",
          false},
         integer(&Config::requests_per_second_per_user, 0, kMaxInt, "requests_per_second_per_user")},
        {{"chats_per_minute_per_address", "customer chats one address may start a minute; 0: no limit", false},
         integer(&Config::chats_per_minute_per_address, 0, kMaxInt, "chats_per_minute_per_address")},
        {{"header_timeout", "seconds for request headers to arrive", false},
         integer(&Config::header_timeout, 1, 3600, "header_timeout")},
        {{"idle_timeout", "seconds a keep-alive connection may stay idle", false},
         integer(&Config::idle_timeout, 1, 86400, "idle_timeout")},
        {{"max_body", "default request body limit in bytes", false},
         integer(&Config::max_body, 1024, kMaxInt, "max_body")},
        {{"max_request_line", "request line limit in bytes", false},
         integer(&Config::max_request_line, 256, 1 << 20, "max_request_line")},
        {{"max_headers", "header block limit in bytes", false},
         integer(&Config::max_headers, 1024, 1 << 20, "max_headers")},
        {{"io_threads", "I/O threads (0: one per core)", false}, integer(&Config::io_threads, 0, 256, "io_threads")},
        {{"offer_timeout", "seconds an agent has to accept an offered chat", false},
         integer(&Config::offer_timeout, 1, 3600, "offer_timeout")},
        {{"chat_wait_limit", "seconds a chat may wait in its queue before it ends", false},
         integer(&Config::chat_wait_limit, 1, kMaxInt, "chat_wait_limit")},
        {{"customer_idle_limit", "seconds of customer silence before an idle alert", false},
         integer(&Config::customer_idle_limit, 1, kMaxInt, "customer_idle_limit")},
        {{"customer_idle_close", "seconds after the idle alert before the chat closes", false},
         integer(&Config::customer_idle_close, 1, kMaxInt, "customer_idle_close")},
        {{"bayeux_hold", "seconds a CometD connect is held", false},
         integer(&Config::bayeux_hold, 1, 300, "bayeux_hold")},
        {{"bayeux_max_interval", "seconds without a connect before a CometD session expires", false},
         integer(&Config::bayeux_max_interval, 1, 3600, "bayeux_max_interval")},
        {{"bayeux_queue_messages", "messages queued per CometD session before it is closed", false},
         integer(&Config::bayeux_queue_messages, 1, kMaxInt, "bayeux_queue_messages")},
        {{"bayeux_queue_bytes", "bytes queued per CometD session before it is closed", false},
         integer(&Config::bayeux_queue_bytes, 1024, kMaxInt, "bayeux_queue_bytes")},
        {{"services", "comma-separated chat services to create (each has a queue of its name)", false},
         list(&Config::services)},
        {{"tls_cert", "PEM certificate chain file: serve HTTPS and WSS (with tls_key)", false},
         text(&Config::tls_cert)},
        {{"tls_key", "PEM private key file of tls_cert", false}, text(&Config::tls_key)},
        {{"web_root", "directory of the web pages (default: found beside the binary)", false},
         text(&Config::web_root)},
        {{"store", "postgres://user@host:port/db to share a PostgreSQL store (default: SQLite in data_dir)", false},
         [](Config& c, const std::string& v) -> Status {
           if (!v.empty() && !v.starts_with("postgres://") && !v.starts_with("postgresql://"))
             return bad("store", v, "is not a postgres:// URL");
           c.store = v;
           return Ok{};
         }},
        {{"bus", "nats://host:port of the cluster's NATS (needs a postgres store)", false},
         [](Config& c, const std::string& v) -> Status {
           if (!v.empty() && !v.starts_with("nats://") && !v.starts_with("tls://"))
             return bad("bus", v, "is not a nats:// URL");
           c.bus = v;
           return Ok{};
         }},
        {{"node_name", "this node's name in a cluster (default: host name and port)", false},
         text(&Config::node_name)},
        {{"cluster_name", "the cluster's name on the bus (letters, digits, - and _): clusters may share a NATS", false},
         [](Config& c, const std::string& v) -> Status {
           if (v.empty() || v.size() > 64 ||
               !std::all_of(v.begin(), v.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'; }))
             return bad("cluster_name", v, "must be 1 to 64 letters, digits, - or _");
           c.cluster_name = v;
           return Ok{};
         }},
        {{"lease_ttl", "seconds a cluster node's hold on the desk lasts without renewal", false},
         integer(&Config::lease_ttl, 2, 600, "lease_ttl")},
        {{"trusted_proxies", "comma-separated load balancer addresses whose X-Forwarded-For is believed", false},
         list(&Config::trusted_proxies)},
        {{"log_level", "trace, debug, info, warn or error", false},
         one_of(&Config::log_level, {"trace", "debug", "info", "warn", "error", "off"}, "log_level")},
    };
  }();
  return defs;
}

}  // namespace

std::string OptionInfo::flag() const {
  std::string f = "--" + name;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

std::string OptionInfo::env_var() const {
  std::string e = "PARLEY_" + name;
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::toupper(c); });
  return e;
}

const std::vector<OptionInfo>& config_options() {
  static const std::vector<OptionInfo> infos = [] {
    std::vector<OptionInfo> out;
    for (const auto& d : table()) out.push_back(d.info);
    return out;
  }();
  return infos;
}

Expected<OptionValues> read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::InvalidValue, "config file " + path + ": cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return read_config_text(text, path);
}

Expected<OptionValues> read_config_text(std::string_view text, const std::string& name) {
  const std::string& path = name;
  toml::table doc;
  try {
    doc = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "config file " << path << ": " << e.description() << " at line " << e.source().begin.line;
    return make_error(ErrorKind::InvalidValue, msg.str());
  }
  OptionValues values;
  for (const auto& [key, node] : doc) {
    const std::string name(key.str());
    auto known = std::find_if(table().begin(), table().end(), [&](const auto& d) { return d.info.name == name; });
    if (known == table().end()) return make_error(ErrorKind::InvalidValue, "config file: unknown option " + name);
    if (auto s = node.value<std::string>(); s && node.is_string()) values[name] = *s;
    else if (node.is_boolean()) values[name] = *node.value<bool>() ? "true" : "false";
    else if (node.is_integer()) values[name] = std::to_string(*node.value<std::int64_t>());
    else if (const auto* arr = node.as_array()) {
      std::string joined;
      for (const auto& item : *arr) {
        auto s = item.value<std::string>();
        if (!s) return make_error(ErrorKind::InvalidValue, "config file: " + name + " must list strings");
        if (!joined.empty()) joined += ',';
        joined += *s;
      }
      values[name] = joined;
    } else {
      return make_error(ErrorKind::InvalidValue, "config file: " + name + " has an unsupported type");
    }
  }
  return values;
}

OptionValues read_environment(const std::map<std::string, std::string>& environment) {
  OptionValues values;
  for (const auto& d : table()) {
    auto it = environment.find(d.info.env_var());
    if (it != environment.end()) values[d.info.name] = it->second;
  }
  return values;
}

OptionValues read_process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string_view::npos && entry.starts_with("PARLEY_"))
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return read_environment(env);
}

Expected<Config> resolve_config(const OptionValues& file, const OptionValues& environment,
                                const OptionValues& flags) {
  Config config;
  for (const OptionValues* source : {&file, &environment, &flags}) {
    for (const auto& entry : *source) {
      const std::string& name = entry.first;
      const std::string& value = entry.second;
      auto def = std::find_if(table().begin(), table().end(), [&](const auto& d) { return d.info.name == name; });
      if (def == table().end()) return make_error(ErrorKind::InvalidValue, "unknown option " + name);
      if (auto st = def->set(config, value); !st) return st.error();
    }
  }
  if (!config.bus.empty() && config.store.empty())
    return make_error(ErrorKind::InvalidValue,
                      "option bus: a cluster's nodes share one PostgreSQL store: give store=postgres://... too");
  return config;
}

}  // namespace parley::app
