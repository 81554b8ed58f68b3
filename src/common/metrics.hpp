#pragma once
// Counters, gauges and histograms rendered in the Prometheus text format. Small on purpose:
// a handful of series, updated with atomics or under a short lock.
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parley {

class Histogram {
 public:
  // Upper bounds in seconds.
  explicit Histogram(std::vector<double> bounds);
  void observe(double seconds);
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  // name: metric family; labels: `route="/x",status="200"` (already escaped) or empty.
  void count(const std::string& name, const std::string& labels, std::uint64_t n = 1);
  void observe(const std::string& name, double seconds);
  // A gauge read when /metrics is scraped.
  void gauge(const std::string& name, const std::string& help, std::function<double()> read);
  void describe(const std::string& name, const std::string& type, const std::string& help);
  std::string render() const;

  static Metrics& global();

 private:
  struct Family {
    std::string type, help;
    std::map<std::string, std::uint64_t> counters;  // labels -> value
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

std::string escape_label(const std::string& value);

// The standard process_* series (resident memory, CPU time, open files, start time) read
// from /proc/self, so dashboards built for any Prometheus exporter work unchanged.
std::string process_metrics_text();

// Writes metric families computed at scrape time (state read from the domain, per-label
// gauges) in the same text format as Metrics::render.
class MetricsText {
 public:
  void family(const std::string& name, const std::string& type, const std::string& help);
  // labels: `queue="x"` (values escaped by the caller with escape_label) or empty.
  void sample(const std::string& name, const std::string& labels, double value);
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

}  // namespace parley
