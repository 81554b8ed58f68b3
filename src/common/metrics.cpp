#include "common/metrics.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace parley {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1) {}

void Histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(std::llround(seconds * 1e6)), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  std::uint64_t cumulative = 0;
  char buf[64];
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = "+Inf";
    if (i < bounds_.size()) {
      std::snprintf(buf, sizeof buf, "%g", bounds_[i]);
      le = buf;
    }
    out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  std::snprintf(buf, sizeof buf, "%.6f", sum_micros_.load(std::memory_order_relaxed) / 1e6);
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + buf + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

void Metrics::describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard lock(mutex_);
  auto& f = families_[name];
  f.type = type;
  f.help = help;
  if (type == "histogram" && !f.histogram)
    f.histogram = std::make_unique<Histogram>(
        std::vector<double>{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10});
}

void Metrics::count(const std::string& name, const std::string& labels, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  families_[name].counters[labels] += n;
}

void Metrics::observe(const std::string& name, double seconds) {
  Histogram* h = nullptr;
  {
    std::lock_guard lock(mutex_);
    h = families_[name].histogram.get();
  }
  if (h) h->observe(seconds);
}

void Metrics::gauge(const std::string& name, const std::string& help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  auto& f = families_[name];
  f.type = "gauge";
  f.help = help;
  f.read = std::move(read);
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + (f.type.empty() ? "counter" : f.type) + "\n";
    if (f.histogram) {
      f.histogram->render(out, name, "");
    } else if (f.read) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", f.read());
      out += name + " " + buf + "\n";
    } else {
      for (const auto& [labels, value] : f.counters)
        out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(value) + "\n";
    }
  }
  return out;
}

Metrics& Metrics::global() {
  static Metrics metrics;
  return metrics;
}

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string process_metrics_text() {
  MetricsText m;
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream statm("/proc/self/statm");
  double size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    m.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes");
    m.sample("process_resident_memory_bytes", "", resident_pages * page);
    m.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes");
    m.sample("process_virtual_memory_bytes", "", size_pages * page);
  }
  // /proc/self/stat: fields after the command name (which is in parentheses and may hold spaces).
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  if (auto close = stat.rfind(')'); close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string x; fields >> x;) f.push_back(x);
    // f[0] is field 3 (state): utime is field 14, stime 15, starttime 22.
    if (f.size() > 19) {
      m.family("process_cpu_seconds_total", "counter", "User and system CPU time in seconds");
      m.sample("process_cpu_seconds_total", "", (std::stod(f[11]) + std::stod(f[12])) / ticks);
      std::ifstream uptime_file("/proc/uptime");
      double uptime = 0;
      if (uptime_file >> uptime) {
        const double now = static_cast<double>(std::time(nullptr));
        m.family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds");
        m.sample("process_start_time_seconds", "", now - uptime + std::stod(f[19]) / ticks);
      }
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  m.family("process_open_fds", "gauge", "Open file descriptors");
  m.sample("process_open_fds", "", static_cast<double>(fds));
  return m.text();
}

void MetricsText::family(const std::string& name, const std::string& type, const std::string& help) {
  out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void MetricsText::sample(const std::string& name, const std::string& labels, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + buf + "\n";
}

}  // namespace parley
