// Request bodies mean one thing only: a key given twice is refused at any depth.
#include "common/json_strict.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(JsonStrict, DuplicateKeysAreRefusedAtAnyDepth) {
  EXPECT_TRUE(has_duplicate_keys(R"({"operationName":"SetInFocus","operationName":"Complete"})"));
  EXPECT_TRUE(has_duplicate_keys(R"({"userData":{"a":"1","a":"2"}})"));
  EXPECT_TRUE(has_duplicate_keys(R"([{"channel":"/meta/connect"},{"id":"1","id":"2"}])"));
  // The same key in sibling or nested objects is not a duplicate.
  EXPECT_FALSE(has_duplicate_keys(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"));
  // Keys split by escapes are compared after unescaping.
  EXPECT_TRUE(has_duplicate_keys(R"({"text":"x","t\u0065xt":"y"})"));
}

TEST(JsonStrict, ParseJsonObjectAcceptsOnlyOneCleanObject) {
  EXPECT_TRUE(parse_json_object(R"({"operationName":"Ready"})"));
  auto dup = parse_json_object(R"({"operationName":"Dance","operationName":"Ready"})");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::InvalidValue);
  EXPECT_FALSE(parse_json_object("[1,2]"));
  EXPECT_FALSE(parse_json_object("{\"a\":\"\xC3\x28\"}"));  // invalid UTF-8
  EXPECT_FALSE(parse_json_object("{\"a\":1} trailing"));
}

}  // namespace
}  // namespace parley
