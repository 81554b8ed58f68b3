#include "customer/form.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <optional>

#include "common/json_strict.hpp"

namespace parley::customer {

namespace json = boost::json;

std::optional<std::string> Form::get(const std::string& name) const {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return it->second;
}

chat::UserData Form::user_data() const {
  chat::UserData data;
  for (const auto& [k, v] : fields)
    if (k.size() > 10 && k.starts_with("userData[") && k.back() == ']') data[k.substr(9, k.size() - 10)] = {v, false};
  return data;
}

namespace {

std::string media_type(const Request& req) {
  std::string type(req.header("Content-Type").value_or(""));
  auto semi = type.find(';');
  std::string base = type.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.pop_back();
  for (auto& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base;
}

std::string parameter_of(std::string_view header, std::string_view name) {
  auto pos = header.find(std::string(name) + "=");
  if (pos == std::string_view::npos) return {};
  auto value = header.substr(pos + name.size() + 1);
  if (!value.empty() && value.front() == '"') {
    auto end = value.find('"', 1);
    return std::string(value.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
  }
  return std::string(value.substr(0, value.find_first_of("; ")));
}

// Lenient about characters browsers and curl leave unencoded ('[', ']', spaces), strict
// about broken percent escapes.
std::optional<std::string> form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Status parse_urlencoded(std::string_view body, Form& form) {
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) return make_error(ErrorKind::InvalidValue, "Malformed form body");
    form.fields.emplace(std::move(*key), std::move(*value));
  }
  return Ok{};
}

// A JSON scalar as the text a form field would carry; nothing for objects, arrays and null.
std::optional<std::string> scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v.as_double());
    return std::string(buf);
  }
  return std::nullopt;
}

// The same fields as the form encoding, with their types checked: a field is a string (or a
// number or boolean, read as its text), userData an object of such values. Anything else is an
// invalid value (103) rather than silently dropped.
Status parse_json(const std::string& body, Form& form) {
  auto parsed = parse_json_object(body);
  if (!parsed) return make_error(ErrorKind::InvalidValue, parsed.error().message);
  for (const auto& [k, value] : *parsed) {
    if (value.is_null()) continue;  // as if absent
    if (k == "userData") {
      if (!value.is_object()) return make_error(ErrorKind::InvalidValue, "userData must be an object");
      for (const auto& [dk, dv] : value.as_object()) {
        auto text = scalar_text(dv);
        if (!text) return make_error(ErrorKind::InvalidValue, "userData values must be strings");
        form.fields.emplace("userData[" + std::string(dk) + "]", std::move(*text));
      }
      continue;
    }
    auto text = scalar_text(value);
    if (!text) return make_error(ErrorKind::InvalidValue, "Invalid value for " + std::string(k));
    form.fields.emplace(std::string(k), std::move(*text));
  }
  return Ok{};
}

// multipart/form-data: parts separated by --boundary; each part has headers, a blank line, content.
Status parse_multipart(const std::string& body, const std::string& boundary, Form& form) {
  if (boundary.empty() || boundary.size() > 200) return make_error(ErrorKind::InvalidValue, "Missing multipart boundary");
  const std::string delimiter = "--" + boundary;
  std::size_t pos = body.find(delimiter);
  if (pos == std::string::npos) return make_error(ErrorKind::InvalidValue, "Malformed multipart body");
  for (;;) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) return Ok{};  // closing delimiter
    if (body.compare(pos, 2, "\r\n") != 0) return make_error(ErrorKind::InvalidValue, "Malformed multipart body");
    pos += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string::npos) return make_error(ErrorKind::InvalidValue, "Malformed multipart part");
    const std::string_view headers(body.data() + pos, headers_end - pos);
    const std::size_t content_start = headers_end + 4;
    const std::size_t next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string::npos) return make_error(ErrorKind::InvalidValue, "Unterminated multipart part");
    std::string disposition, content_type;
    std::size_t line_start = 0;
    while (line_start < headers.size()) {
      auto line_end = headers.find("\r\n", line_start);
      if (line_end == std::string_view::npos) line_end = headers.size();
      auto line = headers.substr(line_start, line_end - line_start);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        auto name = line.substr(0, colon);
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (iequals(name, "Content-Disposition")) disposition = value;
        else if (iequals(name, "Content-Type")) content_type = value;
      }
      line_start = line_end + 2;
    }
    const std::string name = parameter_of(disposition, "name");
    std::string content = body.substr(content_start, next - content_start);
    if (disposition.find("filename=") != std::string::npos) {
      form.file = UploadedFile{parameter_of(disposition, "filename"),
                               content_type.empty() ? "application/octet-stream" : content_type, std::move(content)};
    } else if (!name.empty()) {
      form.fields.emplace(name, std::move(content));
    }
    pos = next + 2;
  }
}

}  // namespace

bool unsupported_media_type(const Request& req) {
  const std::string type = media_type(req);
  return !(type.empty() || type == "application/x-www-form-urlencoded" || type == "application/json" ||
           type == "multipart/form-data");
}

Expected<Form> parse_form(const Request& req) {
  Form form;
  for (const auto& [k, v] : req.query) form.fields.emplace(k, v);
  const std::string type = media_type(req);
  Status st = Ok{};
  if (req.body.empty()) return form;
  if (type == "application/json") st = parse_json(req.body, form);
  else if (type == "multipart/form-data")
    st = parse_multipart(req.body, parameter_of(req.header("Content-Type").value_or(""), "boundary"), form);
  else st = parse_urlencoded(req.body, form);
  if (!st) return st.error();
  return form;
}

}  // namespace parley::customer
