#include "app/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace parley::app {
namespace {

TEST(Config, DefaultsMatchThePlatformLimits) {
  auto c = resolve_config({}, {}, {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->max_body, 64 * 1024);
  EXPECT_EQ(c->max_request_line, 8 * 1024);
  EXPECT_EQ(c->max_headers, 16 * 1024);
  EXPECT_EQ(c->header_timeout, 10);
  EXPECT_EQ(c->session_idle_timeout, 30 * 60);
  EXPECT_EQ(c->max_sessions_per_user, 1000);
  EXPECT_EQ(c->login_failures_per_minute, 10);
  EXPECT_TRUE(c->csrf);
  EXPECT_FALSE(c->demo);
  EXPECT_EQ(c->durability, "disk");
}

TEST(Config, FlagsBeatEnvironmentBeatFile) {
  OptionValues file{{"listen", "127.0.0.1:1"}, {"csrf", "false"}, {"data_dir", "/file"}};
  OptionValues env{{"listen", "127.0.0.1:2"}, {"data_dir", "/env"}};
  OptionValues flags{{"listen", "127.0.0.1:3"}};
  auto c = resolve_config(file, env, flags);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen, "127.0.0.1:3");
  EXPECT_EQ(c->data_dir, "/env");
  EXPECT_FALSE(c->csrf);
}

TEST(Config, EnvironmentNamesAreDerivedFromOptionNames) {
  auto values = read_environment({{"PARLEY_SESSION_IDLE_TIMEOUT", "5"}, {"PARLEY_NOPE", "x"}, {"HOME", "/root"}});
  EXPECT_EQ(values, (OptionValues{{"session_idle_timeout", "5"}}));
  bool found = false;
  for (const auto& o : config_options())
    if (o.name == "session_idle_timeout") {
      found = true;
      EXPECT_EQ(o.flag(), "--session-idle-timeout");
      EXPECT_EQ(o.env_var(), "PARLEY_SESSION_IDLE_TIMEOUT");
    }
  EXPECT_TRUE(found);
}

TEST(Config, BadValuesAreRefusedWithTheOptionName) {
  auto c = resolve_config({}, {}, {{"max_body", "lots"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("max_body"), std::string::npos);
  EXPECT_FALSE(resolve_config({}, {}, {{"csrf", "maybe"}}));
  EXPECT_FALSE(resolve_config({}, {}, {{"durability", "never"}}));
  EXPECT_FALSE(resolve_config({}, {}, {{"header_timeout", "0"}}));
}

TEST(Config, ReadsTomlFileAndRefusesUnknownKeys) {
  auto dir = std::filesystem::temp_directory_path() / "parley-config-test";
  std::filesystem::create_directories(dir);
  auto good = dir / "good.toml";
  std::ofstream(good) << "listen = \"0.0.0.0:9000\"\ncsrf = false\nmax_body = 4096\ncors_origins = [\"http://a\", \"http://b\"]\n";
  auto values = read_config_file(good.string());
  ASSERT_TRUE(values);
  auto c = resolve_config(*values, {}, {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen, "0.0.0.0:9000");
  EXPECT_FALSE(c->csrf);
  EXPECT_EQ(c->max_body, 4096);
  EXPECT_EQ(c->cors_origins, (std::vector<std::string>{"http://a", "http://b"}));

  auto bad = dir / "bad.toml";
  std::ofstream(bad) << "lisen = \"x\"\n";
  EXPECT_FALSE(read_config_file(bad.string()));
  auto broken = dir / "broken.toml";
  std::ofstream(broken) << "listen = \n";
  EXPECT_FALSE(read_config_file(broken.string()));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parley::app
