#include "bayeux/channel.hpp"

#include <gtest/gtest.h>

namespace parley::bayeux {
namespace {

TEST(Channel, SingleStarMatchesOneSegment) {
  EXPECT_TRUE(channel_matches("/v2/me/*", "/v2/me/chats"));
  EXPECT_TRUE(channel_matches("/v2/me/*", "/v2/me/channels"));
  EXPECT_FALSE(channel_matches("/v2/me/*", "/v2/me/chats/x"));
  EXPECT_FALSE(channel_matches("/v2/me/*", "/v2/me"));
  EXPECT_FALSE(channel_matches("/v2/me/*", "/v2/other/chats"));
}

TEST(Channel, DoubleStarMatchesAnyDepth) {
  EXPECT_TRUE(channel_matches("/v2/me/**", "/v2/me/chats"));
  EXPECT_TRUE(channel_matches("/v2/me/**", "/v2/me/chats/x/y"));
  EXPECT_TRUE(channel_matches("/**", "/v2/me/floor"));
  EXPECT_FALSE(channel_matches("/v2/me/**", "/v2/mex/chats"));
}

TEST(Channel, ExactChannelsMatchThemselvesOnly) {
  EXPECT_TRUE(channel_matches("/v2/me/chats", "/v2/me/chats"));
  EXPECT_FALSE(channel_matches("/v2/me/chats", "/v2/me/channels"));
}

TEST(Channel, Validation) {
  EXPECT_TRUE(valid_channel("/v2/me/chats"));
  EXPECT_FALSE(valid_channel(""));
  EXPECT_FALSE(valid_channel("/"));
  EXPECT_FALSE(valid_channel("v2/me"));
  EXPECT_FALSE(valid_channel("/v2//me"));
  EXPECT_FALSE(valid_channel("/v2/me/"));
  EXPECT_FALSE(valid_channel("/v2/m e"));
  EXPECT_TRUE(is_meta("/meta/connect"));
  EXPECT_TRUE(is_service("/service/chatV2/customer-support"));
  EXPECT_TRUE(is_pattern("/v2/me/*"));
  EXPECT_FALSE(is_pattern("/v2/me/chats"));
}

}  // namespace
}  // namespace parley::bayeux
