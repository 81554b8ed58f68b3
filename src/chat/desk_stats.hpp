#pragma once
// What the desk counts for operators (/metrics): plain numbers kept by the domain code and
// read on the domain strand when metrics are scraped. No metrics library here: chat/ stays
// pure, and the http layer turns these into Prometheus series.
#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace parley::chat {

// Time from entering a queue to an agent accepting, per service (seconds, cumulative
// Prometheus-style buckets are made at render time).
struct WaitHistogram {
  static constexpr std::array<double, 10> kBounds = {1, 5, 10, 20, 30, 60, 120, 300, 600, 1800};
  std::array<std::uint64_t, kBounds.size() + 1> buckets{};  // per bucket (not cumulative); last: +Inf
  std::uint64_t count = 0;
  double sum_seconds = 0;

  void observe(double seconds) {
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    ++buckets[i];
    ++count;
    sum_seconds += seconds;
  }
};

// Offer outcomes by kind of offer ("routing", "transfer", "invite", "consult").
struct OfferCounts {
  std::uint64_t made = 0, accepted = 0, rejected = 0, timed_out = 0, withdrawn = 0;
};

struct DeskCounters {
  std::uint64_t chats_created = 0;
  std::uint64_t chats_expired_in_queue = 0;  // wait limit reached without an agent
  std::map<std::string, OfferCounts> offers;
  std::map<std::string, std::uint64_t> messages;  // by sender role: customer, agent, supervisor
  std::uint64_t supervisor_switches = 0;
  std::map<std::string, WaitHistogram> queue_wait;  // by service
};

// The state now, computed at scrape time.
struct DeskGauges {
  std::map<std::string, std::size_t> chats_by_state;          // queued, offered, active, ended
  std::map<std::string, std::size_t> queue_length;            // by queue
  std::map<std::string, double> oldest_wait_seconds;          // by queue: the longest wait now
  std::map<std::string, std::size_t> supervisions_by_mode;    // Monitor, Coach, BargeIn
  std::map<std::string, std::size_t> agents_by_state;         // Ready, NotReady (logged in)
};

}  // namespace parley::chat
