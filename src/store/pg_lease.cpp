#include "store/pg_lease.hpp"

#include "store/pg_conn.hpp"

namespace parley::store {

PgLease::PgLease(std::string url, std::string name, std::string node, std::chrono::milliseconds ttl)
    : url_(std::move(url)), name_(std::move(name)), node_(std::move(node)), ttl_(ttl) {}

PgLease::~PgLease() = default;

PgConn& PgLease::conn() {
  // A lost connection is opened again on the next call (a failed call throws PgError).
  if (!conn_ || conn_->broken()) conn_ = std::make_unique<PgConn>(url_);
  return *conn_;
}

std::optional<std::int64_t> PgLease::try_acquire() {
  const std::string ttl = std::to_string(ttl_.count()) + " milliseconds";
  auto r = conn().exec(
      "INSERT INTO leases(name, holder, epoch, expires_at) VALUES ($1, $2, 1, now() + $3::interval) "
      "ON CONFLICT (name) DO UPDATE SET holder = $2, epoch = leases.epoch + 1, expires_at = now() + $3::interval "
      "WHERE leases.expires_at <= now() OR leases.holder = $2 RETURNING epoch",
      {name_, node_, ttl});
  if (PQntuples(r.get()) == 0) return std::nullopt;
  return pg_int(r.get(), 0, 0);
}

bool PgLease::renew(std::int64_t epoch) {
  const std::string ttl = std::to_string(ttl_.count()) + " milliseconds";
  auto r = conn().exec(
      "UPDATE leases SET expires_at = now() + $4::interval WHERE name = $1 AND holder = $2 AND epoch = $3 "
      "AND expires_at > now() RETURNING epoch",
      {name_, node_, epoch, ttl});
  return PQntuples(r.get()) == 1;
}

void PgLease::release(std::int64_t epoch) {
  conn().exec("UPDATE leases SET expires_at = now() WHERE name = $1 AND holder = $2 AND epoch = $3",
              {name_, node_, epoch});
}

std::optional<LeaseState> PgLease::current() {
  auto r = conn().exec("SELECT holder, epoch, expires_at > now() FROM leases WHERE name = $1", {name_});
  if (PQntuples(r.get()) == 0) return std::nullopt;
  return LeaseState{pg_text(r.get(), 0, 0), pg_int(r.get(), 0, 1), pg_text(r.get(), 0, 2) == "t"};
}

}  // namespace parley::store
