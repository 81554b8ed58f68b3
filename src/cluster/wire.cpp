#include "cluster/wire.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace parley::cluster {

namespace json = boost::json;

namespace {

std::string frame(const json::object& head, std::string_view body) {
  std::string out = json::serialize(head);
  out += '\n';
  out.append(body);
  return out;
}

// Splits a frame into its metadata and its body.
std::pair<json::object, std::string_view> unframe(std::string_view frame) {
  const auto newline = frame.find('\n');
  if (newline == std::string_view::npos) throw std::invalid_argument("bus frame without a header line");
  boost::system::error_code ec;
  // Paths and header values are bytes, not necessarily UTF-8: they cross as they came.
  json::parse_options options;
  options.allow_invalid_utf8 = true;
  json::value head = json::parse(frame.substr(0, newline), ec, {}, options);
  if (ec || !head.is_object()) throw std::invalid_argument("bus frame with a malformed header");
  return {std::move(head.as_object()), frame.substr(newline + 1)};
}

std::string text(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

std::int64_t number(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_int64()) return 0;
  return it->value().as_int64();
}

json::array pairs(const HeaderList& headers) {
  json::array out;
  for (const auto& [k, v] : headers) out.push_back(json::array{json::string(k), json::string(v)});
  return out;
}

HeaderList pairs_of(const json::object& o, const char* key) {
  HeaderList out;
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_array()) return out;
  for (const auto& item : it->value().as_array()) {
    const auto* pair = item.if_array();
    if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string())
      throw std::invalid_argument("bus frame with a malformed header list");
    out.emplace_back(std::string((*pair)[0].as_string()), std::string((*pair)[1].as_string()));
  }
  return out;
}

}  // namespace

std::string encode_request(const Request& req) {
  HeaderList query(req.query.begin(), req.query.end());
  json::object head{{"method", req.method},     {"target", req.target},       {"path", req.path},
                    {"query", pairs(query)},    {"headers", pairs(req.headers)}, {"remote", req.remote_address},
                    {"base", req.base_url},     {"secure", req.secure}};
  return frame(head, req.body);
}

Request decode_request(std::string_view data) {
  auto [head, body] = unframe(data);
  Request req;
  req.method = text(head, "method");
  req.target = text(head, "target");
  req.path = text(head, "path");
  for (auto& [k, v] : pairs_of(head, "query")) req.query.emplace(std::move(k), std::move(v));
  req.headers = pairs_of(head, "headers");
  req.remote_address = text(head, "remote");
  req.base_url = text(head, "base");
  auto secure = head.find("secure");
  req.secure = secure != head.end() && secure->value().is_bool() && secure->value().as_bool();
  req.body.assign(body);
  if (req.method.empty() || req.path.empty()) throw std::invalid_argument("bus frame without method or path");
  return req;
}

std::string encode_response(const Response& resp) {
  json::object head{{"status", resp.status},
                    {"type", resp.content_type},
                    {"headers", pairs(resp.headers)},
                    {"close", resp.close}};
  return frame(head, resp.body);
}

Response decode_response(std::string_view data) {
  auto [head, body] = unframe(data);
  Response resp;
  auto status = head.find("status");
  if (status == head.end() || !status->value().is_number()) throw std::invalid_argument("bus frame without status");
  resp.status = static_cast<unsigned>(status->value().to_number<std::int64_t>());
  resp.content_type = text(head, "type");
  resp.headers = pairs_of(head, "headers");
  auto close = head.find("close");
  resp.close = close != head.end() && close->value().is_bool() && close->value().as_bool();
  resp.body.assign(body);
  return resp;
}

std::string encode_push(const Push& p) {
  json::object head{{"epoch", p.epoch}, {"seq", p.seq}, {"endpoint", p.endpoint},
                    {"kind", static_cast<int>(p.kind)}, {"key", p.key}, {"channel", p.channel}};
  return frame(head, p.message);
}

Push decode_push(std::string_view data) {
  auto [head, body] = unframe(data);
  Push p;
  p.epoch = number(head, "epoch");
  p.seq = number(head, "seq");
  p.endpoint = text(head, "endpoint");
  const auto kind = number(head, "kind");
  if (kind < 0 || kind > static_cast<int>(PushKind::Heartbeat)) throw std::invalid_argument("bus frame: bad kind");
  p.kind = static_cast<PushKind>(kind);
  p.key = text(head, "key");
  p.channel = text(head, "channel");
  p.message.assign(body);
  return p;
}

}  // namespace parley::cluster
