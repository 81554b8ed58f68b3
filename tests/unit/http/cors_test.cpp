#include "http/cors.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

TEST(Cors, AllowedOriginIsEchoedWithCredentials) {
  CorsPolicy cors({"http://a.example"});
  Response r;
  cors.decorate(r, "http://a.example");
  EXPECT_EQ(find_header(r.headers, "Access-Control-Allow-Origin"), "http://a.example");
  EXPECT_EQ(find_header(r.headers, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(find_header(r.headers, "Access-Control-Expose-Headers"), "X-CSRF-HEADER, X-CSRF-TOKEN");
}

TEST(Cors, OtherOriginsGetNothing) {
  CorsPolicy cors({"http://a.example"});
  Response r;
  cors.decorate(r, "http://evil.example");
  EXPECT_TRUE(r.headers.empty());
  auto p = cors.preflight("http://evil.example");
  EXPECT_FALSE(find_header(p.headers, "Access-Control-Allow-Origin"));
}

TEST(Cors, PreflightListsTheGwsHeaders) {
  CorsPolicy cors({"*"});
  auto p = cors.preflight("http://any.example");
  EXPECT_EQ(p.status, 204u);
  auto allowed = std::string(*find_header(p.headers, "Access-Control-Allow-Headers"));
  for (const char* h : {"X-Requested-With", "Content-Type", "Accept", "Origin", "Cookie", "Authorization",
                        "X-CSRF-TOKEN", "ContactCenterId"})
    EXPECT_NE(allowed.find(h), std::string::npos) << h;
  EXPECT_EQ(find_header(p.headers, "Access-Control-Allow-Origin"), "http://any.example");
}

}  // namespace
}  // namespace parley::http
