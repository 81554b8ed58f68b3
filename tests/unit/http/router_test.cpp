#include "http/router.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

Handler noop() {
  return [](Request&) -> boost::asio::awaitable<Response> { co_return Response{}; };
}

TEST(Router, MatchesExactAndParameterisedPaths) {
  Router r;
  r.add({"GET", "/api/v2/me", noop()});
  r.add({"GET", "/api/v2/users/{id}", noop()});
  auto m = r.match("GET", "/api/v2/users/abc");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->pattern, "/api/v2/users/{id}");
  EXPECT_EQ(m.params.at("id"), "abc");
  EXPECT_TRUE(r.match("GET", "/api/v2/me").route);
  EXPECT_FALSE(r.match("GET", "/api/v2/users/").route);
  EXPECT_FALSE(r.match("GET", "/api/v2/users/a/b").route);
}

TEST(Router, WrongMethodListsAllowedMethods) {
  Router r;
  r.add({"GET", "/api/v2/users/{id}", noop()});
  r.add({"PUT", "/api/v2/users/{id}", noop()});
  auto m = r.match("POST", "/api/v2/users/x");
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "PUT"}));
  EXPECT_TRUE(r.match("POST", "/nowhere").allowed.empty());
}

TEST(Router, RestPatternMatchesAnySuffix) {
  Router r;
  r.add({"POST", "/api/v2/notifications/*", noop()});
  EXPECT_TRUE(r.match("POST", "/api/v2/notifications/handshake").route);
  EXPECT_TRUE(r.match("POST", "/api/v2/notifications/").route);
  EXPECT_FALSE(r.match("POST", "/api/v2/other/handshake").route);
}

TEST(Router, ListsRoutesInOrder) {
  Router r;
  r.add({"GET", "/a", noop()});
  r.add({"POST", "/b/{x}", noop()});
  EXPECT_EQ(r.list(), (std::vector<std::string>{"GET /a", "POST /b/{x}"}));
}

}  // namespace
}  // namespace parley::http
