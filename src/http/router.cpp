#include "http/router.hpp"

#include <algorithm>

namespace parley::http {
namespace {
template <class Out>
void split_path(std::string_view path, std::vector<Out>& out) {
  std::size_t start = 0;
  if (!path.empty() && path[0] == '/') start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
}
}  // namespace

void Router::add(RouteSpec route) {
  Entry e;
  std::string_view pattern = route.pattern;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == "/*") {
    e.rest = true;
    pattern.remove_suffix(2);
  }
  split_path(pattern, e.segments);
  e.spec = std::move(route);
  entries_.push_back(std::move(e));
}

void Router::add(RouteList routes) {
  for (auto& r : routes) add(std::move(r));
}

bool Router::match_path(const Entry& e, const std::vector<std::string_view>& parts,
                        std::map<std::string, std::string>& params) {
  if (e.rest ? parts.size() < e.segments.size() : parts.size() != e.segments.size()) return false;
  for (std::size_t i = 0; i < e.segments.size(); ++i) {
    const auto& seg = e.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (parts[i].empty()) return false;
      params[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  std::vector<std::string_view> parts;
  split_path(path, parts);
  RouteMatch result;
  for (const auto& e : entries_) {
    std::map<std::string, std::string> params;
    if (!match_path(e, parts, params)) continue;
    if (e.spec.method == method) {
      result.route = &e.spec;
      result.params = std::move(params);
      result.allowed.clear();
      return result;
    }
    if (std::find(result.allowed.begin(), result.allowed.end(), e.spec.method) == result.allowed.end())
      result.allowed.push_back(e.spec.method);
  }
  return result;
}

std::vector<std::string> Router::list() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.spec.method + " " + e.spec.pattern);
  return out;
}

}  // namespace parley::http
