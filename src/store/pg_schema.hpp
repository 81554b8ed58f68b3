#pragma once
// The PostgreSQL schema as numbered migrations. `migrate` applies the missing ones in order,
// each in its own transaction, under an advisory lock so nodes starting together do not race.
#include <string>
#include <vector>

namespace parley::store {

class PgConn;

struct Migration {
  int version;
  std::string what;  // one line for the log
  std::string sql;
};

const std::vector<Migration>& pg_migrations();

struct MigrationReport {
  int from = 0;  // version found
  int to = 0;    // version now
};

MigrationReport migrate(PgConn& conn);
// The version the database is at (0: empty).
int schema_version(PgConn& conn);

}  // namespace parley::store
