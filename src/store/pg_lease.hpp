#pragma once
// A lease in PostgreSQL: at most one node holds it at a time, for a time-to-live measured by
// the database's clock; the holder renews it well before it expires. Each change of holder
// raises the epoch, which fences the old holder's writes (see PgStore::set_fence).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace parley::store {

class PgConn;

// The one lease of a cluster: its holder carries out every operation of the desk.
inline constexpr const char* kDeskLease = "desk";

struct LeaseState {
  std::string holder;
  std::int64_t epoch = 0;
  bool live = false;  // not expired
};

class PgLease {
 public:
  PgLease(std::string url, std::string name, std::string node, std::chrono::milliseconds ttl);
  ~PgLease();

  // Takes the lease if nobody holds it, it expired, or its holder has this node's name (this
  // node restarted: the old process is gone, or two nodes were given one name, in which case
  // the fence stops the other). The new epoch, or nullopt.
  std::optional<std::int64_t> try_acquire();
  // Extends a held lease; false if it was lost (expired or taken over).
  bool renew(std::int64_t epoch);
  // Lets it go at once (clean shutdown), so another node need not wait for the expiry.
  void release(std::int64_t epoch);
  std::optional<LeaseState> current();

  const std::string& name() const { return name_; }
  const std::string& node() const { return node_; }

 private:
  PgConn& conn();

  std::string url_, name_, node_;
  std::chrono::milliseconds ttl_;
  std::unique_ptr<PgConn> conn_;
};

}  // namespace parley::store
