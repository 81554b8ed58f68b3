// parley: the command line. `serve` runs the server; `users` manages accounts offline.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "app/backup_cli.hpp"
#include "app/config.hpp"
#include "app/migrate_cli.hpp"
#include "app/serve.hpp"
#include "app/users_cli.hpp"
#include "store/pg_conn.hpp"

using namespace parley::app;

namespace {

// Registers every server option as a flag; values given end up in `flags`.
void add_option_flags(CLI::App& cmd, OptionValues& flags) {
  for (const auto& opt : config_options()) {
    if (opt.is_flag) {
      cmd.add_flag_callback(opt.flag(), [&flags, name = opt.name] { flags[name] = "true"; }, opt.help);
    } else {
      cmd.add_option_function<std::string>(
          opt.flag(), [&flags, name = opt.name](const std::string& v) { flags[name] = v; }, opt.help);
    }
  }
}

Config load_config(const std::string& config_file, const OptionValues& flags) {
  OptionValues file;
  if (!config_file.empty()) {
    auto read = read_config_file(config_file);
    if (!read) throw std::runtime_error(read.error().message);
    file = *read;
  }
  auto config = resolve_config(file, read_process_environment(), flags);
  if (!config) throw std::runtime_error(config.error().message);
  return *config;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Parley: contact-center chat server (GWS v2 chat API, CometD notifications)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", PARLEY_VERSION);

  std::string config_file;
  OptionValues flags;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the API, notifications and web pages");
  serve_cmd->add_option("--config", config_file, "TOML configuration file");
  add_option_flags(*serve_cmd, flags);

  auto* routes_cmd = app.add_subcommand("routes", "Print every route the server registers, then exit");
  std::string routes_config_file;
  OptionValues routes_flags;
  routes_cmd->add_option("--config", routes_config_file, "TOML configuration file");

  std::string backup_file, backup_config_file;
  OptionValues backup_flags;
  bool restore_force = false;
  auto* backup_cmd = app.add_subcommand("backup", "Copy the store to FILE (safe while the server runs)");
  auto* restore_cmd = app.add_subcommand("restore", "Replace the store with the backup FILE (server stopped)");
  for (auto* c : {backup_cmd, restore_cmd}) {
    c->add_option("file", backup_file, "backup file")->required();
    c->add_option("--config", backup_config_file, "TOML configuration file (for data_dir)");
    c->add_option_function<std::string>("--data-dir", [&](const std::string& v) { backup_flags["data_dir"] = v; },
                                        "directory of the embedded store");
    c->add_option_function<std::string>("--store", [&](const std::string& v) { backup_flags["store"] = v; },
                                        "postgres://... (refused: PostgreSQL has its own backup tools)");
  }
  restore_cmd->add_flag("--force", restore_force, "replace an existing store");

  std::string migrate_config_file;
  OptionValues migrate_flags;
  auto* migrate_cmd = app.add_subcommand("migrate", "Create or upgrade the schema of a PostgreSQL store, then exit");
  migrate_cmd->add_option("--config", migrate_config_file, "TOML configuration file (for store)");
  migrate_cmd->add_option_function<std::string>("--store", [&](const std::string& v) { migrate_flags["store"] = v; },
                                                 "postgres://user@host:port/db");

  auto* users_cmd = app.add_subcommand("users", "Manage users without a running server");
  users_cmd->require_subcommand(1);
  UserCommand user_cmd;
  std::string users_config_file;
  OptionValues users_flags;
  auto add_common = [&](CLI::App* c) {
    c->add_option("--config", users_config_file, "TOML configuration file (for data_dir or store)");
    c->add_option_function<std::string>("--data-dir", [&](const std::string& v) { users_flags["data_dir"] = v; },
                                        "directory of the embedded store");
    c->add_option_function<std::string>("--store", [&](const std::string& v) { users_flags["store"] = v; },
                                        "a cluster's postgres://user@host:port/db (changes need every node stopped)");
  };
  auto* add = users_cmd->add_subcommand("add", "Create a user");
  add->add_option("user", user_cmd.user_name, "user name")->required();
  add->add_option("--password", user_cmd.password, "password (default: read a line from standard input)");
  add->add_option("--roles", user_cmd.roles, "comma-separated roles: ROLE_AGENT, ROLE_SUPERVISOR, ROLE_ADMIN");
  add->add_option("--first-name", user_cmd.first_name);
  add->add_option("--last-name", user_cmd.last_name);
  add->add_option("--email", user_cmd.email);
  auto* list = users_cmd->add_subcommand("list", "List users");
  auto* passwd = users_cmd->add_subcommand("passwd", "Set a user's password (ends their sessions)");
  passwd->add_option("user", user_cmd.user_name)->required();
  passwd->add_option("--password", user_cmd.password, "password (default: read a line from standard input)");
  auto* disable = users_cmd->add_subcommand("disable", "Disable a user (ends their sessions)");
  disable->add_option("user", user_cmd.user_name)->required();
  for (auto* c : {add, list, passwd, disable}) add_common(c);

  CLI11_PARSE(app, argc, argv);

  try {
    if (serve_cmd->parsed()) {
      auto config = load_config(config_file, flags);
      spdlog::set_level(spdlog::level::from_str(config.log_level));
      spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
      return serve(config);
    }
    // The other commands print their results on standard output (scripts read them): the
    // library's log lines (a schema migration applied, a warning) go to standard error.
    spdlog::set_default_logger(spdlog::stderr_color_mt("parley"));
    if (migrate_cmd->parsed()) return run_migrate(load_config(migrate_config_file, migrate_flags).store);
    if (backup_cmd->parsed() || restore_cmd->parsed()) {
      const auto config = load_config(backup_config_file, backup_flags);
      if (!config.store.empty()) {
        std::cerr << "parley: the store is PostgreSQL (" << parley::store::redact_url(config.store)
                  << "): back it up with PostgreSQL's tools (pg_dump, or pg_basebackup for point-in-time "
                     "recovery) and restore with pg_restore; parley backup and restore copy the embedded "
                     "SQLite store\n";
        return 2;
      }
      return backup_cmd->parsed() ? run_backup(config.data_dir, backup_file)
                                  : run_restore(config.data_dir, backup_file, restore_force);
    }
    if (routes_cmd->parsed()) {
      // The store is opened as for serving: use a throw-away directory, not the real data.
      auto config = load_config(routes_config_file, routes_flags);
      const auto scratch = std::filesystem::temp_directory_path() /
                           ("parley-routes-" + std::to_string(::getpid()));
      config.data_dir = scratch.string();
      config.demo = false;
      spdlog::set_level(spdlog::level::warn);
      const int rc = print_routes(config);
      std::filesystem::remove_all(scratch);
      return rc;
    }
    for (auto* c : {add, list, passwd, disable})
      if (c->parsed()) user_cmd.action = c->get_name();
    const auto users_config = load_config(users_config_file, users_flags);
    user_cmd.data_dir = users_config.data_dir;
    user_cmd.store_url = users_config.store;
    return run_user_command(user_cmd);
  } catch (const std::exception& e) {
    std::cerr << "parley: " << e.what() << "\n";
    return 1;
  }
}
