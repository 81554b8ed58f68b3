#include "cluster/wire.hpp"

#include <gtest/gtest.h>

namespace parley::cluster {
namespace {

TEST(ClusterWire, ARequestCrossesTheBusUnchanged) {
  Request req;
  req.method = "POST";
  req.target = "/api/v2/me/chats/c1?x=1";
  req.path = "/api/v2/me/chats/c1";
  req.query.emplace("x", "1");
  req.headers = {{"Cookie", "JSESSIONID=abc"}, {"Content-Type", "application/json"}};
  req.body = std::string("{\"operationName\":\"SendMessage\",\"text\":\"line\\nbreak\"}\n\0binary", 60);
  req.headers.emplace_back("User-Agent", "caf\xe9 (latin-1, not UTF-8)");
  req.path += "/\xff";
  req.remote_address = "10.0.0.7";
  req.base_url = "https://chat.example.com";
  req.secure = true;
  Request back = decode_request(encode_request(req));
  EXPECT_EQ(back.method, req.method);
  EXPECT_EQ(back.target, req.target);
  EXPECT_EQ(back.path, req.path);
  EXPECT_EQ(back.query, req.query);
  EXPECT_EQ(back.headers, req.headers);
  EXPECT_EQ(back.body, req.body);
  EXPECT_EQ(back.remote_address, req.remote_address);
  EXPECT_EQ(back.base_url, req.base_url);
  EXPECT_TRUE(back.secure);
}

TEST(ClusterWire, AResponseCrossesTheBusUnchanged) {
  Response resp;
  resp.status = 503;
  resp.content_type = "application/octet-stream";
  resp.body = std::string("\xff\x00\n", 3);
  resp.headers = {{"Set-Cookie", "JSESSIONID=x; HttpOnly"}, {"Retry-After", "1"}};
  Response back = decode_response(encode_response(resp));
  EXPECT_EQ(back.status, 503u);
  EXPECT_EQ(back.content_type, resp.content_type);
  EXPECT_EQ(back.body, resp.body);
  EXPECT_EQ(back.headers, resp.headers);
}

TEST(ClusterWire, APushKeepsItsOrderingFields) {
  Push p{7, 42, "/genesys/cometd", PushKind::Session, "client-1", "/service/chatV2/x", "[{\"data\":1}]"};
  Push back = decode_push(encode_push(p));
  EXPECT_EQ(back.epoch, 7);
  EXPECT_EQ(back.seq, 42);
  EXPECT_EQ(back.endpoint, p.endpoint);
  EXPECT_EQ(back.kind, PushKind::Session);
  EXPECT_EQ(back.key, p.key);
  EXPECT_EQ(back.message, p.message);
}

TEST(ClusterWire, MalformedFramesAreRefused) {
  EXPECT_THROW(decode_request("no header line"), std::invalid_argument);
  EXPECT_THROW(decode_request("[1,2]\nbody"), std::invalid_argument);
  EXPECT_THROW(decode_request("{\"method\":\"GET\"}\n"), std::invalid_argument);  // no path
  EXPECT_THROW(decode_request("{\"method\":\"GET\",\"path\":\"/\",\"headers\":[[1]]}\n"), std::invalid_argument);
  EXPECT_THROW(decode_response("{}\n"), std::invalid_argument);
  EXPECT_THROW(decode_push("{\"kind\":9}\n"), std::invalid_argument);
}

}  // namespace
}  // namespace parley::cluster
