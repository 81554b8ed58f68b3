#pragma once
// A route as an API layer declares it: the http layer collects these into its router.
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "common/web.hpp"

namespace parley {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

enum class Access {
  Public,        // no authentication (version, health, metrics)
  User,          // an authenticated user; CSRF applies to cookie-only writes
  UserNoCsrf,    // an authenticated user, exempt from CSRF (Bayeux: it checks Origin instead)
};

struct RouteSpec {
  std::string method;   // GET, POST, PUT, DELETE
  std::string pattern;  // "/api/v2/users/{id}"; a final "/*" matches any rest of the path
  Handler handler;
  Access access = Access::User;
  std::size_t max_body = 0;  // 0: the server's default body limit
};

using RouteList = std::vector<RouteSpec>;

}  // namespace parley
