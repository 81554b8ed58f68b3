#include "customer/routes.hpp"

#include <boost/json.hpp>

#include <charconv>

#include "common/random.hpp"
#include "common/utf8.hpp"
#include "customer/envelope.hpp"
#include "customer/form.hpp"
#include "gws/chat_notifier.hpp"
#include "gws/domain_commit.hpp"

namespace parley::customer {

namespace json = boost::json;
using boost::asio::awaitable;
using namespace parley::chat;

Response customer_error(unsigned http, int code, const std::string& message) {
  Response r;
  r.status = http;
  json::object body{{"statusCode", code == 1 ? 1 : 2}};
  if (code != 1) body["errors"] = json::array{json::object{{"code", code}, {"message", message}}};
  else body["errors"] = json::array{json::object{{"code", 1}, {"message", message}}};
  r.body = json::serialize(body);
  r.set_header("Access-Control-Allow-Origin", "*");
  return r;
}

namespace {

constexpr std::size_t kMaxNickname = 64;
constexpr std::size_t kMaxText = 16 * 1024;

Response answer(const json::object& body) {
  Response r;
  r.body = json::serialize(body);
  r.set_header("Access-Control-Allow-Origin", "*");
  return r;
}

Response missing(const char* name) { return customer_error(400, 102, std::string("Missing parameter ") + name); }
Response invalid(const std::string& why) { return customer_error(400, 103, why); }
Response unknown_chat() { return customer_error(404, 104, "Chat not found or invalid secureKey"); }
Response unavailable() { return customer_error(503, 1, "The service is unavailable; retry later"); }

// What an operation on one chat does; may add to the answer (files).
using ChatOp = std::function<Status(Desk&, Chat&, const Form&, json::object& extra)>;

struct SecureKeyGuard {
  struct Window {
    TimeMs start = 0;
    int failures = 0;
  };
  std::unordered_map<std::string, Window> by_address;  // touched on the domain strand only

  bool locked_out(const std::string& address, TimeMs now) const {
    auto it = by_address.find(address);
    return it != by_address.end() && now - it->second.start < 60'000 && it->second.failures >= 20;
  }
};

std::optional<std::int64_t> parse_position(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < 1) return -1;
  return n;
}

struct Shared {
  gws::ApiContext& ctx;
  FileLimits limits;
  SecureKeyGuard guard;
};

// Common checks of every customer call: content type, body, UTF-8.
Expected<Form> read_form(const Request& req) {
  if (unsupported_media_type(req)) return make_error(ErrorKind::InvalidValue, "unsupported content type");
  auto form = parse_form(req);
  if (!form) return form;
  for (const auto& [k, v] : form->fields)
    if (!valid_utf8(k) || !valid_utf8(v)) return make_error(ErrorKind::InvalidValue, "Text must be valid UTF-8");
  return form;
}

Response form_error(const Request& req, const Error& e) {
  if (unsupported_media_type(req)) {
    auto r = customer_error(415, 103, "Unsupported Content-Type");
    return r;
  }
  return invalid(e.message);
}

awaitable<Response> request_chat(Shared& s, Request& req) {
  auto form = read_form(req);
  if (!form) co_return form_error(req, form.error());
  NewChat chat;
  chat.service = req.param("service");
  auto nickname = form->get("nickname");
  if (!nickname || nickname->empty()) {
    auto first = form->get("firstName").value_or("");
    auto last = form->get("lastName").value_or("");
    if (first.empty() && last.empty()) co_return missing("nickname (or firstName and lastName)");
    nickname = first + (first.empty() || last.empty() ? "" : " ") + last;
  }
  if (nickname->size() > kMaxNickname) co_return invalid("nickname is longer than 64 characters");
  chat.nickname = *nickname;
  chat.subject = form->get("subject").value_or("");
  chat.email = form->get("emailAddress").value_or("");
  chat.first_message = form->get("text").value_or("");
  if (chat.subject.size() > 256 || chat.email.size() > 256 || chat.first_message.size() > kMaxText)
    co_return invalid("a parameter is too long");
  chat.user_data = form->user_data();
  if (chat.user_data.size() > 100) co_return invalid("userData is limited to 100 keys");
  auto& ctx = s.ctx;
  co_await ctx.enter_domain();
  Response resp;
  std::string chat_id;
  if (!ctx.desk.has_service(chat.service)) {
    resp = customer_error(404, 101, "Unknown chat service");
  } else {
    auto created = ctx.desk.request_chat(chat);
    if (created) chat_id = *created;
    else resp = invalid(created.error().message);
  }
  if (!chat_id.empty()) {
    json::object body = envelope(*ctx.desk.find(chat_id), 1);
    const bool stored = co_await gws::commit_domain(ctx);
    resp = stored ? answer(body) : unavailable();
  }
  co_await ctx.leave();
  co_return resp;
}

// Ended chats are not loaded at start; a customer coming back to one (reading its end,
// downloading a file) gets it read back from the store. Runs on the domain strand and returns
// there; the read itself happens off it.
awaitable<void> bring_back_ended_chat(gws::ApiContext& ctx, const std::string& chat_id) {
  if (chat_id.empty() || chat_id.size() > 64 || ctx.desk.find(chat_id)) co_return;
  co_await ctx.leave();
  auto stored = ctx.store.load_chat(chat_id);
  co_await ctx.enter_domain();
  if (stored && stored->ended() && !ctx.desk.find(chat_id)) {
    ctx.desk.restore(std::move(*stored));
    // Its participants already saw all of it: nothing to push to them.
    if (ctx.chat_notifier) ctx.chat_notifier->prime(*ctx.desk.find(chat_id));
  }
}

// The common path of every per-chat call: credentials, the operation, the commit, the envelope.
awaitable<Response> per_chat(Shared& s, Request& req, const ChatOp& op, bool explicit_position) {
  auto form = read_form(req);
  if (!form) co_return form_error(req, form.error());
  auto user_id = form->get("userId");
  auto secure_key = form->get("secureKey");
  if (!user_id || user_id->empty()) co_return missing("userId");
  if (!secure_key || secure_key->empty()) co_return missing("secureKey");
  std::optional<std::int64_t> position;
  if (explicit_position) {
    position = parse_position(form->get("transcriptPosition"));
    if (position && *position < 1) co_return invalid("transcriptPosition must be an integer >= 1");
  }
  auto& ctx = s.ctx;
  co_await ctx.enter_domain();
  if (!s.guard.locked_out(req.remote_address, ctx.clock.now_ms())) co_await bring_back_ended_chat(ctx, req.param("chatId"));
  Response resp;
  const TimeMs now = ctx.clock.now_ms();
  auto& window = s.guard.by_address[req.remote_address];
  if (now - window.start >= 60'000) window = {now, 0};
  auto found = ctx.desk.customer_chat(req.param("chatId"), *user_id, *secure_key);
  if (window.failures >= 20) {
    resp = customer_error(429, 1, "Too many failed attempts; retry later");
    resp.set_header("Retry-After", std::to_string((window.start + 60'000 - now + 999) / 1000));
  } else if (!ctx.desk.has_service(req.param("service"))) {
    resp = customer_error(404, 101, "Unknown chat service");
  } else if (!found || (*found)->service != req.param("service")) {
    if (s.guard.by_address.size() > 100000) s.guard.by_address.clear();
    ++s.guard.by_address[req.remote_address].failures;
    resp = unknown_chat();
  } else {
    Chat& chat = **found;
    json::object extra;
    Status done = Ok{};
    if (!chat_ended_for_customer(chat)) done = op(ctx.desk, chat, *form, extra);
    if (!done && done.error().kind != ErrorKind::InvalidState) {
      resp = done.error().kind == ErrorKind::MissingParameter ? customer_error(400, 102, done.error().message)
                                                              : invalid(done.error().message);
      // Nothing changed; drop anything the desk may have noted.
      co_await gws::commit_domain(ctx);
    } else {
      const std::int64_t from = position.value_or(chat.customer.position + 1);
      json::object body = envelope(chat, from);
      for (auto& [k, v] : extra) body[k] = v;
      ctx.desk.mark_changed(chat);  // the position moved: it is stored with the rest
      const bool stored = co_await gws::commit_domain(ctx);
      resp = stored ? answer(body) : unavailable();
    }
  }
  co_await ctx.leave();
  co_return resp;
}

Expected<std::string> text_param(const Form& form, const char* name, bool required, std::size_t max) {
  auto v = form.get(name);
  if (!v || (required && v->empty())) {
    if (required) return make_error(ErrorKind::MissingParameter, std::string("Missing parameter ") + name);
    return std::string();
  }
  if (v->size() > max) return make_error(ErrorKind::InvalidValue, std::string(name) + " is too long");
  return *v;
}

json::object limits_data(const Chat& chat, const FileLimits& l) {
  std::int64_t used_files = 0, used_size = 0;
  for (const auto& f : chat.files)
    if (!f.deleted) ++used_files, used_size += f.size;
  return json::object{{"upload-max-files", std::to_string(l.max_files)},
                      {"upload-max-file-size", std::to_string(l.max_file_size)},
                      {"upload-max-total-size", std::to_string(l.max_total_size)},
                      {"upload-file-types", l.types},
                      {"used-upload-max-files", std::to_string(used_files)},
                      {"used-upload-max-total-size", std::to_string(used_size)},
                      {"download-attempts", "-1"},
                      {"used-download-attempts", "0"}};
}

bool type_allowed(const std::string& filename, const std::string& types) {
  auto dot = filename.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = filename.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (";" + types + ";").find(";" + ext + ";") != std::string::npos;
}

}  // namespace

RouteList customer_routes(gws::ApiContext& ctx, const FileLimits& limits) {
  auto shared = std::make_shared<Shared>(Shared{ctx, limits, {}});
  RouteList routes;
  const std::string base = "/genesys/2/chat/{service}";
  auto ops = std::make_shared<std::map<std::string, ChatOp>>();
  auto add = [&](const std::string& suffix, ChatOp op, bool explicit_position = false, std::size_t max_body = 0) {
    (*ops)[suffix] = op;
    routes.push_back({"POST", base + "/{chatId}/" + suffix,
                      [shared, op, explicit_position](Request& req) -> awaitable<Response> {
                        return per_chat(*shared, req, op, explicit_position);
                      },
                      Access::Public, max_body});
  };
  routes.push_back({"POST", base, [shared](Request& req) -> awaitable<Response> { return request_chat(*shared, req); },
                    Access::Public});

  add("send", [](Desk& d, Chat& c, const Form& f, json::object&) -> Status {
    auto text = text_param(f, "message", true, kMaxText);
    if (!text) return text.error();
    return d.customer_send(c, *text, f.get("messageType").value_or(""));
  });
  for (const char* typing : {"startTyping", "stopTyping"}) {
    const bool started = std::string_view(typing) == "startTyping";
    add(typing, [started](Desk& d, Chat& c, const Form& f, json::object&) -> Status {
      auto text = text_param(f, "message", false, kMaxText);
      if (!text) return text.error();
      return d.customer_typing(c, started, *text);
    });
  }
  add("refresh", [](Desk&, Chat&, const Form&, json::object&) -> Status { return Ok{}; }, true);
  add("disconnect", [](Desk& d, Chat& c, const Form&, json::object&) -> Status { return d.customer_disconnect(c); });
  add("updateNickname", [](Desk& d, Chat& c, const Form& f, json::object&) -> Status {
    auto nick = text_param(f, "nickname", true, kMaxNickname);
    if (!nick) return nick.error();
    return d.customer_nickname(c, *nick);
  });
  add("updateData", [](Desk& d, Chat& c, const Form& f, json::object&) -> Status {
    auto data = f.user_data();
    if (data.empty()) return make_error(ErrorKind::MissingParameter, "Missing parameter userData");
    return d.customer_update_data(c, data);
  });
  add("customNotice", [](Desk& d, Chat& c, const Form& f, json::object&) -> Status {
    auto text = text_param(f, "message", true, kMaxText);
    if (!text) return text.error();
    return d.customer_notice(c, *text);
  });
  add("pushUrl", [](Desk& d, Chat& c, const Form& f, json::object&) -> Status {
    auto url = text_param(f, "pushUrl", true, 2048);
    if (!url) return url.error();
    if (!url->starts_with("http://") && !url->starts_with("https://"))
      return make_error(ErrorKind::InvalidValue, "pushUrl must be an http or https URL");
    return d.customer_push_url(c, *url);
  });
  add("readReceipt", [](Desk&, Chat& c, const Form& f, json::object&) -> Status {
    auto pos = parse_position(f.get("transcriptPosition"));
    if (!pos) return make_error(ErrorKind::MissingParameter, "Missing parameter transcriptPosition");
    if (*pos < 1) return make_error(ErrorKind::InvalidValue, "transcriptPosition must be an integer >= 1");
    return Ok{};
  });
  add("file/limits", [shared](Desk& d, Chat& c, const Form&, json::object& extra) -> Status {
    auto data = limits_data(c, shared->limits);
    UserData notice;
    for (const auto& [k, v] : data) notice[std::string(k)] = {std::string(v.as_string())};
    d.customer_notice_only(c, ItemType::Notice, "file-client-cfg-get", notice);
    extra["userData"] = std::move(data);
    return Ok{};
  });
  add(
      "file",
      [shared](Desk& d, Chat& c, const Form& f, json::object& extra) -> Status {
        if (!f.file) return make_error(ErrorKind::MissingParameter, "Missing parameter file");
        const auto& l = shared->limits;
        std::int64_t used_files = 0, used_size = 0;
        for (const auto& file : c.files)
          if (!file.deleted) ++used_files, used_size += file.size;
        const auto size = static_cast<std::int64_t>(f.file->content.size());
        if (size > l.max_file_size) return make_error(ErrorKind::InvalidValue, "The file is too large");
        if (used_files + 1 > l.max_files) return make_error(ErrorKind::InvalidValue, "Too many files in this chat");
        if (used_size + size > l.max_total_size) return make_error(ErrorKind::InvalidValue, "The chat's files are too large");
        if (!type_allowed(f.file->filename, l.types)) return make_error(ErrorKind::InvalidValue, "This type of file is not allowed");
        if (!valid_utf8(f.file->filename) || f.file->filename.size() > 256)
          return make_error(ErrorKind::InvalidValue, "Invalid file name");
        StoredFile file{random_alnum(16), f.file->filename, f.file->content_type, size, false};
        if (auto st = d.customer_file(c, file, false); !st) return st;
        d.stage_file(c, file.id, f.file->content);
        extra["userData"] = json::object{{"file-id", file.id}};
        return Ok{};
      },
      false, static_cast<std::size_t>(limits.max_file_size) + 64 * 1024);

  routes.push_back({"POST", base + "/{chatId}/file/{fileId}/delete",
                    [shared](Request& req) -> awaitable<Response> {
                      const std::string file_id = req.param("fileId");
                      ChatOp op = [file_id](Desk& d, Chat& c, const Form&, json::object&) -> Status {
                        for (const auto& f : c.files)
                          if (f.id == file_id && !f.deleted) return d.customer_file(c, f, true);
                        return make_error(ErrorKind::InvalidValue, "No such file");
                      };
                      co_return co_await per_chat(*shared, req, op, false);
                    },
                    Access::Public});

  auto download = [shared](Request& req) -> awaitable<Response> {
    auto form = read_form(req);
    if (!form) co_return form_error(req, form.error());
    auto& ctx = shared->ctx;
    co_await ctx.enter_domain();
    if (!shared->guard.locked_out(req.remote_address, ctx.clock.now_ms()))
      co_await bring_back_ended_chat(ctx, req.param("chatId"));
    std::optional<StoredFile> file;
    std::string chat_id;
    auto found = ctx.desk.customer_chat(req.param("chatId"), form->get("userId").value_or(""),
                                        form->get("secureKey").value_or(""));
    if (found)
      for (const auto& f : (*found)->files)
        if (f.id == req.param("fileId") && !f.deleted) file = f, chat_id = (*found)->id;
    co_await ctx.leave();
    if (!found) co_return unknown_chat();
    if (!file) co_return invalid("No such file");
    auto content = ctx.store.load_file(chat_id, file->id);
    if (!content) co_return invalid("No such file");
    Response r;
    r.content_type = file->type;
    r.body = std::move(*content);
    r.set_header("Content-Disposition", "attachment; filename=\"" + file->name + "\"");
    r.set_header("Access-Control-Allow-Origin", "*");
    co_return r;
  };
  routes.push_back({"POST", base + "/{chatId}/file/{fileId}/download", download, Access::Public});
  routes.push_back({"GET", base + "/{chatId}/file/{fileId}/download", download, Access::Public});

  // File operations for CometD customers (customer.md): one URL, the operation in the form.
  routes.push_back(
      {"POST", "/genesys/2/chat-ntf",
       [shared, ops, download](Request& req) -> awaitable<Response> {
         auto form = read_form(req);
         if (!form) co_return form_error(req, form.error());
         const std::string op = form->get("operation").value_or("");
         const std::string key = form->get("secureKey").value_or("");
         if (op.empty()) co_return missing("operation");
         if (key.empty()) co_return missing("secureKey");
         auto& ctx = shared->ctx;
         co_await ctx.enter_domain();
         const Chat* chat = ctx.desk.find_by_secure_key(form->get("chatId").value_or(""), key);
         std::string chat_id, service, user_id;
         if (chat) chat_id = chat->id, service = chat->service, user_id = chat->customer.user_id;
         co_await ctx.leave();
         if (chat_id.empty()) co_return unknown_chat();
         // Continue as the REST path of the same operation would.
         req.path_params["chatId"] = chat_id;
         req.path_params["service"] = service;
         req.query.emplace("userId", user_id);
         if (op == "fileUpload") co_return co_await per_chat(*shared, req, ops->at("file"), false);
         if (op == "fileGetLimits" || op == "fileGetsLimits")
           co_return co_await per_chat(*shared, req, ops->at("file/limits"), false);
         const std::string file_id = form->get("fileId").value_or("");
         if (op == "fileDownload" || op == "fileDelete") {
           if (file_id.empty()) co_return missing("fileId");
           req.path_params["fileId"] = file_id;
           if (op == "fileDownload") co_return co_await download(req);
           ChatOp remove = [file_id](Desk& d, Chat& c, const Form&, json::object&) -> Status {
             for (const auto& f : c.files)
               if (f.id == file_id && !f.deleted) return d.customer_file(c, f, true);
             return make_error(ErrorKind::InvalidValue, "No such file");
           };
           co_return co_await per_chat(*shared, req, remove, false);
         }
         co_return invalid("Unknown operation " + op);
       },
       Access::Public, static_cast<std::size_t>(limits.max_file_size) + 64 * 1024});
  return routes;
}

}  // namespace parley::customer
