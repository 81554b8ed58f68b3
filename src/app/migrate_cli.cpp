#include "app/migrate_cli.hpp"

#include <iostream>

#include "store/pg_conn.hpp"
#include "store/pg_schema.hpp"

namespace parley::app {

int run_migrate(const std::string& store_url) {
  if (store_url.empty()) {
    std::cerr << "parley migrate: give the store (--store postgres://user@host:port/db); the embedded SQLite "
                 "store needs no migration command\n";
    return 2;
  }
  store::PgConn conn(store_url);
  const auto report = store::migrate(conn);
  if (report.from == report.to)
    std::cout << "schema is up to date (version " << report.to << ") in " << store::redact_url(store_url) << "\n";
  else
    std::cout << "schema migrated from version " << report.from << " to " << report.to << " in "
              << store::redact_url(store_url) << "\n";
  return 0;
}

}  // namespace parley::app
