// The HTTP request path up to the handlers: Beast's parser with the server's limits, the
// head checks, the conversion to a Request (URL, path segments, query), routing against the
// server's route table, and the credentials read from the headers.
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/credentials.hpp"
#include "http/request_head.hpp"
#include "http/router.hpp"

namespace {

namespace bhttp = boost::beast::http;
using namespace parley;

// The routes `parley routes` prints; handlers are never called here.
const http::Router& routes() {
  static const http::Router router = [] {
    http::Router r;
    const char* table[][2] = {
        {"POST", "/api/v2/notifications"}, {"POST", "/api/v2/notifications/*"}, {"POST", "/genesys/cometd"},
        {"GET", "/api/v2/me"}, {"POST", "/api/v2/me"}, {"GET", "/api/v2/me/channels"},
        {"POST", "/api/v2/me/channels/chat"}, {"GET", "/api/v2/users"}, {"POST", "/api/v2/users"},
        {"GET", "/api/v2/users/{id}"}, {"PUT", "/api/v2/users/{id}"}, {"DELETE", "/api/v2/users/{id}"},
        {"GET", "/api/v2/me/chats"}, {"GET", "/api/v2/me/chats/{id}"}, {"GET", "/api/v2/me/chats/{id}/messages"},
        {"GET", "/api/v2/chats/{id}"}, {"GET", "/api/v2/chats/{id}/transcript"}, {"POST", "/api/v2/me/chats/{id}"},
        {"GET", "/api/v2/users/{agentUserId}/channels/chat"}, {"POST", "/api/v2/users/{agentUserId}/channels/chat"},
        {"POST", "/genesys/2/chat/{service}"}, {"POST", "/genesys/2/chat/{service}/{chatId}/send"},
        {"POST", "/genesys/2/chat/{service}/{chatId}/file/{fileId}/download"}, {"GET", "/healthz"},
        {"GET", "/"}, {"GET", "/web/*"},
    };
    for (const auto& [method, pattern] : table) r.add(RouteSpec{method, pattern, {}, Access::Public, 0});
    return r;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t request_line = 8 * 1024, headers = 16 * 1024;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(request_line + headers));
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t used = 0;
  while (used < input.size() && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
    if (ec == bhttp::error::need_more) break;
    if (ec == bhttp::error::header_limit) {
      (void)http::header_overflow_kind(input, request_line);
      return 0;
    }
    if (ec || n == 0) break;
    used += n;
  }
  if (!parser.is_header_done()) return 0;
  const auto& head = parser.get();
  (void)http::header_bytes(head);
  Request req;
  if (!http::to_request(head, req)) return 0;
  auto match = routes().match(req.method, req.path);
  (void)match;
  if (auto authorization = req.header("Authorization")) (void)http::parse_basic(*authorization);
  if (auto cookies = req.header("Cookie")) (void)http::cookie_value(*cookies, http::kSessionCookie);
  (void)req.query_param("transcriptPosition");
  return 0;
}
