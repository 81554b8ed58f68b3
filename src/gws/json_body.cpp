#include "gws/json_body.hpp"

#include "common/json_strict.hpp"

namespace parley::gws {

Expected<json::object> parse_object(const std::string& body) { return parse_json_object(body); }

Expected<std::optional<std::string>> get_string(const json::object& o, const char* key, bool required) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return make_error(ErrorKind::MissingParameter, std::string("Missing parameter ") + key);
    return std::optional<std::string>{};
  }
  if (!it->value().is_string()) return make_error(ErrorKind::InvalidValue, std::string(key) + " must be a string");
  return std::optional<std::string>{std::string(it->value().as_string())};
}

Expected<std::optional<bool>> get_bool(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>{};
  if (!it->value().is_bool()) return make_error(ErrorKind::InvalidValue, std::string(key) + " must be a boolean");
  return std::optional<bool>{it->value().as_bool()};
}

Expected<std::optional<std::int64_t>> get_int(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::int64_t>{};
  if (it->value().is_int64()) return std::optional<std::int64_t>{it->value().as_int64()};
  if (it->value().is_uint64() && it->value().as_uint64() <= INT64_MAX)
    return std::optional<std::int64_t>{static_cast<std::int64_t>(it->value().as_uint64())};
  return make_error(ErrorKind::InvalidValue, std::string(key) + " must be an integer");
}

Expected<std::optional<std::vector<std::string>>> get_string_list(const json::object& o, const char* key,
                                                                  bool required) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return make_error(ErrorKind::MissingParameter, std::string("Missing parameter ") + key);
    return std::optional<std::vector<std::string>>{};
  }
  if (!it->value().is_array())
    return make_error(ErrorKind::InvalidValue, std::string(key) + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : it->value().as_array()) {
    if (!item.is_string()) return make_error(ErrorKind::InvalidValue, std::string(key) + " must be an array of strings");
    out.emplace_back(item.as_string());
  }
  return std::optional<std::vector<std::string>>{std::move(out)};
}

}  // namespace parley::gws
