#pragma once
// The HTTP request and response as handlers see them: plain data, no Beast, so the API
// layers compile quickly and are testable without sockets.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley {

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

// Who made the request, once authentication has run.
struct Caller {
  std::string user_id;
  std::string session_id;   // digest of the session token; empty for anonymous calls
  std::string csrf_token;
  bool new_session = false; // a cookie must be set on the answer
  std::string cookie_token; // the raw token for Set-Cookie when new_session
};

struct Request {
  std::string method;
  std::string target;  // as received, with query
  std::string path;    // decoded path, no query
  std::multimap<std::string, std::string> query;
  HeaderList headers;
  std::string body;
  std::string remote_address;
  std::string base_url;  // scheme://host[:port] for absolute `uri` fields
  bool secure = false;   // served over TLS
  std::map<std::string, std::string> path_params;
  std::optional<Caller> caller;

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
  std::optional<std::string> query_param(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
  const std::string& param(const std::string& name) const { return path_params.at(name); }
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  HeaderList headers;
  bool close = false;  // close the connection after this answer

  void set_header(std::string name, std::string value) {
    for (auto& [k, v] : headers)
      if (iequals(k, name)) {
        v = std::move(value);
        return;
      }
    headers.emplace_back(std::move(name), std::move(value));
  }
};

}  // namespace parley
