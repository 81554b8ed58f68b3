#pragma once
// Server options and where they come from: the config file (TOML), then PARLEY_* environment
// variables, then command-line flags — each later source wins. One table lists every option
// once, with its name in all three forms derived from it.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace parley::app {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  bool demo = false;
  std::string durability = "disk";  // disk | process
  bool csrf = true;
  std::vector<std::string> cors_origins;  // "*" allows any origin
  std::string public_base_url;            // e.g. https://chat.example.com; empty: from Host
  int session_idle_timeout = 1800;        // seconds
  int max_sessions_per_user = 1000;
  int login_failures_per_minute = 10;
  int requests_per_second_per_address = 1000;  // 0: unlimited
  int requests_per_second_per_user = 200;      // 0: unlimited
  int chats_per_minute_per_address = 300;      // customer chats started; 0: unlimited
  int header_timeout = 10;  // seconds for a request's headers to arrive
  int idle_timeout = 60;    // seconds a keep-alive connection may sit idle
  int max_body = 64 * 1024;
  int max_request_line = 8 * 1024;
  int max_headers = 16 * 1024;
  int io_threads = 0;  // 0: one per core
  int offer_timeout = 30;          // seconds an agent has to accept an offer
  int chat_wait_limit = 600;       // seconds a chat may wait in its queue
  int customer_idle_limit = 600;   // seconds of customer silence before IdleAlert
  int customer_idle_close = 60;    // seconds after IdleAlert before IdleClose
  int bayeux_hold = 25;          // seconds a /meta/connect is held when there is nothing to send
  int bayeux_max_interval = 10;  // seconds without a connect before a Bayeux session expires
  int bayeux_queue_messages = 10000;
  int bayeux_queue_bytes = 8 * 1024 * 1024;
  std::string log_level = "info";
  std::string web_root;  // the pages (web/); empty: beside the binary, else /usr/share/parley/web
  std::string tls_cert;  // PEM certificate chain: serve HTTPS and WSS
  std::string tls_key;   // PEM private key of tls_cert
  std::vector<std::string> services;  // chat services (and their queues) created at start if absent
  // Scale-out: empty store means the embedded SQLite store in data_dir; postgres://... a
  // shared PostgreSQL database. A bus (nats://...) makes this node one of a cluster.
  std::string store;
  std::string bus;
  std::string node_name;  // default: the host name and the port
  std::string cluster_name = "parley";  // prefix of the bus subjects: clusters may share a NATS
  int lease_ttl = 5;      // seconds a cluster node's hold on the desk lasts without renewal
  std::vector<std::string> trusted_proxies;  // addresses whose X-Forwarded-For is believed
};

using OptionValues = std::map<std::string, std::string>;  // option name -> raw text

struct OptionInfo {
  std::string name;  // snake_case: the TOML key
  std::string help;
  bool is_flag;      // a bare --flag with no value (demo)
  std::string flag() const;     // --kebab-case
  std::string env_var() const;  // PARLEY_UPPER_SNAKE
};

const std::vector<OptionInfo>& config_options();

// Reads a TOML file into raw values; unknown keys are an error so typos do not pass silently.
Expected<OptionValues> read_config_file(const std::string& path);
// The same from the file's text; `name` is used in messages.
Expected<OptionValues> read_config_text(std::string_view text, const std::string& name);
// Reads the PARLEY_* variables from an environment (name -> value).
OptionValues read_environment(const std::map<std::string, std::string>& environment);
OptionValues read_process_environment();
// Applies file < environment < flags over the defaults.
Expected<Config> resolve_config(const OptionValues& file, const OptionValues& environment,
                                const OptionValues& flags);

}  // namespace parley::app
