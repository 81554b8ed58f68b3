#pragma once
// CORS for the GWS API: allowed origins are configured; credentials are allowed, so the
// origin is echoed, never "*".
#include <string>
#include <string_view>
#include <vector>

#include "common/web.hpp"

namespace parley::http {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> allowed_origins) : allowed_(std::move(allowed_origins)) {}
  bool allows(std::string_view origin) const;
  // Headers for an actual request from `origin` (nothing if the origin is not allowed).
  void decorate(Response& resp, std::string_view origin) const;
  // The answer to an OPTIONS preflight.
  Response preflight(std::string_view origin) const;
  // Any origin, no credentials (the customer API).
  static Response open_preflight();

 private:
  std::vector<std::string> allowed_;
};

}  // namespace parley::http
