#include "http/auth.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

TEST(ParseBasic, DecodesUserAndPassword) {
  auto c = parse_basic("Basic YWdlbnQxOnBhc3N3b3Jk");  // agent1:password
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user_name, "agent1");
  EXPECT_EQ(c->password, "password");
}

TEST(ParseBasic, PasswordMayContainColons) {
  auto c = parse_basic("basic dTpwOnE6cg==");  // u:p:q:r
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user_name, "u");
  EXPECT_EQ(c->password, "p:q:r");
}

TEST(ParseBasic, RejectsOtherSchemesAndGarbage) {
  EXPECT_FALSE(parse_basic("Bearer abc"));
  EXPECT_FALSE(parse_basic("Basic !!!"));
  EXPECT_FALSE(parse_basic("Basic "));
  EXPECT_FALSE(parse_basic("Basic Om5vdXNlcg=="));  // ":nouser"
  EXPECT_FALSE(parse_basic("Basic bm9jb2xvbg=="));  // "nocolon"
}

TEST(CookieValue, FindsNamedCookieAmongOthers) {
  EXPECT_EQ(cookie_value("a=1; JSESSIONID=tok; b=2", "JSESSIONID"), "tok");
  EXPECT_EQ(cookie_value("JSESSIONID=\"q\"", "JSESSIONID"), "q");
  EXPECT_FALSE(cookie_value("XJSESSIONID=1", "JSESSIONID"));
  EXPECT_FALSE(cookie_value("", "JSESSIONID"));
}

TEST(Csrf, RequiredOnlyForCookieOnlyWrites) {
  EXPECT_TRUE(csrf_required("POST", false, true, Access::User));
  EXPECT_TRUE(csrf_required("PUT", false, true, Access::User));
  EXPECT_TRUE(csrf_required("DELETE", false, true, Access::User));
  EXPECT_FALSE(csrf_required("GET", false, true, Access::User));
  EXPECT_FALSE(csrf_required("POST", true, true, Access::User));        // own Authorization header
  EXPECT_FALSE(csrf_required("POST", false, false, Access::User));      // turned off
  EXPECT_FALSE(csrf_required("POST", false, true, Access::UserNoCsrf)); // Bayeux
}

TEST(Csrf, TokenMustMatchExactly) {
  EXPECT_TRUE(csrf_token_matches("abc", std::string_view("abc")));
  EXPECT_FALSE(csrf_token_matches("abc", std::string_view("abd")));
  EXPECT_FALSE(csrf_token_matches("abc", std::string_view("ab")));
  EXPECT_FALSE(csrf_token_matches("abc", std::nullopt));
  EXPECT_FALSE(csrf_token_matches("", std::string_view("")));
}

TEST(SessionCookie, IsHttpOnlyLaxAndSecureOverTls) {
  EXPECT_EQ(session_cookie("t", false), "JSESSIONID=t; Path=/; HttpOnly; SameSite=Lax");
  EXPECT_EQ(session_cookie("t", true), "JSESSIONID=t; Path=/; HttpOnly; SameSite=Lax; Secure");
}

}  // namespace
}  // namespace parley::http
