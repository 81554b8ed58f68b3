#include "http/cors.hpp"

#include <algorithm>

namespace parley::http {

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  return std::any_of(allowed_.begin(), allowed_.end(), [&](const std::string& a) { return a == "*" || a == origin; });
}

void CorsPolicy::decorate(Response& resp, std::string_view origin) const {
  if (!allows(origin)) return;
  resp.set_header("Access-Control-Allow-Origin", std::string(origin));
  resp.set_header("Access-Control-Allow-Credentials", "true");
  resp.set_header("Access-Control-Expose-Headers", "X-CSRF-HEADER, X-CSRF-TOKEN");
  resp.set_header("Vary", "Origin");
}

Response CorsPolicy::preflight(std::string_view origin) const {
  Response resp;
  resp.status = 204;
  resp.content_type.clear();
  if (!allows(origin)) return resp;
  decorate(resp, origin);
  resp.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
  resp.set_header("Access-Control-Allow-Headers",
                  "X-Requested-With, Content-Type, Accept, Origin, Cookie, Authorization, X-CSRF-TOKEN, ContactCenterId");
  resp.set_header("Access-Control-Max-Age", "600");
  return resp;
}

Response CorsPolicy::open_preflight() {
  Response resp;
  resp.status = 204;
  resp.content_type.clear();
  resp.set_header("Access-Control-Allow-Origin", "*");
  resp.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  resp.set_header("Access-Control-Allow-Headers", "Content-Type, Accept, Origin, X-Requested-With");
  resp.set_header("Access-Control-Max-Age", "600");
  return resp;
}

}  // namespace parley::http
