#pragma once
// Path patterns to handlers. Lists its routes (the OpenAPI check compares them) and tells
// a known path with the wrong method (405 + Allow) from an unknown path (404).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/route.hpp"

namespace parley::http {

struct RouteMatch {
  const RouteSpec* route = nullptr;           // set when method and path match
  std::map<std::string, std::string> params;  // {name} segments
  std::vector<std::string> allowed;           // methods of the path when only the path matched
};

class Router {
 public:
  void add(RouteSpec route);
  void add(RouteList routes);
  RouteMatch match(std::string_view method, std::string_view path) const;
  // "GET /api/v2/me" lines in registration order.
  std::vector<std::string> list() const;

 private:
  struct Entry {
    RouteSpec spec;
    std::vector<std::string> segments;
    bool rest = false;  // pattern ends in "/*"
  };
  static bool match_path(const Entry& e, const std::vector<std::string_view>& parts,
                         std::map<std::string, std::string>& params);
  std::vector<Entry> entries_;
};

}  // namespace parley::http
