#include "common/json_strict.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include <set>
#include <string>
#include <vector>

namespace parley {
namespace {

namespace json = boost::json;

// A SAX handler that only remembers the keys of each open object.
struct DuplicateKeyFinder {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::set<std::string>> open;  // keys seen, one set per enclosing object
  std::string key;
  bool duplicate = false;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    open.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    open.pop_back();
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    key.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, json::error_code& ec) {
    key.append(part.data(), part.size());
    if (!open.empty() && !open.back().insert(key).second) {
      duplicate = true;
      ec = json::error::syntax;  // stop parsing: the answer is known
      return false;
    }
    key.clear();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

bool has_duplicate_keys(std::string_view json_text) {
  json::parse_options options;
  options.max_depth = 64;
  json::basic_parser<DuplicateKeyFinder> parser(options);
  json::error_code ec;
  parser.write_some(false, json_text.data(), json_text.size(), ec);
  return parser.handler().duplicate;
}

Expected<boost::json::object> parse_json_object(std::string_view body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);  // rejects invalid UTF-8 in strings
  if (ec) return make_error(ErrorKind::InvalidValue, "Malformed JSON body: " + ec.message());
  if (!v.is_object()) return make_error(ErrorKind::InvalidValue, "The body must be a JSON object");
  if (has_duplicate_keys(body)) return make_error(ErrorKind::InvalidValue, "Malformed JSON body: a key appears twice");
  return std::move(v.as_object());
}

}  // namespace parley
