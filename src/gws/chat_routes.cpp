// GWS chat routes for agents (chat.md): reads of the caller's chats and the operations.
#include <boost/json.hpp>

#include <charconv>
#include <map>

#include "chat/visibility.hpp"
#include "gws/chat_notifier.hpp"
#include "gws/chat_operations.hpp"
#include "gws/chat_views.hpp"
#include "gws/domain_commit.hpp"
#include "gws/errors.hpp"
#include "gws/json_body.hpp"
#include "gws/routes.hpp"

namespace parley::gws {
namespace {

using asio::awaitable;
using namespace parley::chat;

Response not_found() { return error_response(make_error(ErrorKind::NotFound, "No such chat")); }

std::optional<std::int64_t> parse_int(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return n;
}

// Role and feature checks shared by every chat call (statusCode 5).
std::optional<Response> check_agent(ApiContext& ctx, const Request& req) {
  auto user = ctx.accounts.find_user(req.caller->user_id);
  if (!user || !user->is_agent())
    return error_response(make_error(ErrorKind::Forbidden, "Only agents and supervisors take part in chats"));
  if (!user->has_feature(kFeatureMultimedia))
    return error_response(make_error(ErrorKind::Forbidden, "The api-multimedia feature is off for this user"));
  return std::nullopt;
}

// A supervisor who is not in the chat reads it in the supervisor audience, with no capabilities.
json::object observer_json(const Chat& chat, const std::string& base_url) {
  Participant observer;
  observer.role = ParticipantRole::Supervisor;
  observer.state = ParticipantState::Chatting;
  auto o = chat_json(chat, observer, base_url);
  o["capabilities"] = json::array{};
  o["state"] = chat.ended() ? "Completed" : "Chatting";
  return o;
}

std::string transcript_text(const Chat& chat, Audience viewer) {
  std::string out = "Chat " + chat.id + (chat.subject.empty() ? "" : " - " + chat.subject) + "\n";
  for (const LogItem* item : visible_items(chat, viewer)) {
    const auto a = static_cast<std::size_t>(viewer);
    out += format_timestamp(item->at_ms) + " ";
    out += item->from_nickname.empty() ? std::string("(system)") : item->from_nickname;
    const ItemType shown = item->shown_as[a];
    switch (shown) {
      case ItemType::Text: out += ": " + item->text; break;
      case ItemType::CustomNotice:
      case ItemType::NicknameUpdated: out += " [" + std::string(item_type_name(shown)) + "] " + item->notice_text; break;
      case ItemType::PushUrl: out += " [PushUrl] " + item->url; break;
      default:
        out += " [" + std::string(item_type_name(shown)) + "]";
        if (!item->text.empty() && shown != ItemType::TypingStarted && shown != ItemType::TypingStopped)
          out += " " + item->text;
    }
    out += "\n";
  }
  return out;
}

// A finished chat that is no longer in memory (after a restart), read back from the store
// with its log, if `user_id` took part in it (or is a supervisor).
std::optional<Chat> stored_chat(ApiContext& ctx, const std::string& user_id, const std::string& chat_id, bool supervisor) {
  auto chat = ctx.store.load_chat(chat_id);
  if (!chat || (!supervisor && !chat->participant_of_user(user_id))) return std::nullopt;
  return chat;
}

}  // namespace

RouteList chat_routes(ApiContext& ctx) {
  RouteList routes;
  routes.push_back({"GET", "/api/v2/me/chats", [&ctx](Request& req) -> awaitable<Response> {
                      if (auto denied = check_agent(ctx, req)) co_return *denied;
                      const std::string state = req.query_param("state").value_or("");
                      if (!state.empty() && state != "Completed" && state != "*")
                        co_return error_response(make_error(ErrorKind::InvalidValue, "state must be Completed or *"));
                      auto offset = parse_int(req.query_param("offset").value_or("0"));
                      auto limit = parse_int(req.query_param("limit").value_or("100"));
                      if (!offset || !limit || *offset < 0 || *limit < 1 || *limit > 1000)
                        co_return error_response(make_error(ErrorKind::InvalidValue, "offset >= 0, 1 <= limit <= 1000"));
                      const bool live = state != "Completed";
                      const bool finished = !state.empty();
                      const std::string& me = req.caller->user_id;
                      // (received, id) -> the chat as the caller sees it; most recent first.
                      std::map<std::pair<TimeMs, std::string>, json::object, std::greater<>> listed;
                      co_await ctx.enter_domain();
                      for (const Chat* chat : ctx.desk.chats_of(me, live, finished))
                        listed.emplace(std::make_pair(chat->received_ms, chat->id),
                                       chat_json(*chat, *chat->participant_of_user(me), req.base_url));
                      co_await ctx.leave();
                      if (finished) {
                        // History from before the last start lives in the store only.
                        for (const Chat& chat : ctx.store.load_finished_chats(me, static_cast<std::size_t>(*offset + *limit)))
                          if (const Participant* p = chat.participant_of_user(me))
                            listed.emplace(std::make_pair(chat.received_ms, chat.id), chat_json(chat, *p, req.base_url));
                      }
                      json::array chats;
                      std::int64_t skipped = 0;
                      for (auto& [key, chat] : listed) {
                        if (skipped++ < *offset) continue;
                        if (static_cast<std::int64_t>(chats.size()) >= *limit) break;
                        chats.push_back(std::move(chat));
                      }
                      co_return json_response(json::object{{"statusCode", 0}, {"chats", std::move(chats)}});
                    }});

  routes.push_back({"GET", "/api/v2/me/chats/{id}", [&ctx](Request& req) -> awaitable<Response> {
                      if (auto denied = check_agent(ctx, req)) co_return *denied;
                      co_await ctx.enter_domain();
                      auto found = ctx.desk.find_for(req.caller->user_id, req.param("id"));
                      std::optional<json::object> chat;
                      if (found) chat = chat_json(*found->first, *found->second, req.base_url);
                      co_await ctx.leave();
                      if (!chat)
                        if (auto old = stored_chat(ctx, req.caller->user_id, req.param("id"), false))
                          chat = chat_json(*old, *old->participant_of_user(req.caller->user_id), req.base_url);
                      if (!chat) co_return not_found();
                      co_return json_response(json::object{{"statusCode", 0}, {"chat", std::move(*chat)}});
                    }});

  routes.push_back({"GET", "/api/v2/me/chats/{id}/messages", [&ctx](Request& req) -> awaitable<Response> {
                      if (auto denied = check_agent(ctx, req)) co_return *denied;
                      auto from = parse_int(req.query_param("fromIndex").value_or("1"));
                      co_await ctx.enter_domain();
                      auto found = ctx.desk.find_for(req.caller->user_id, req.param("id"));
                      std::optional<json::array> messages;
                      const bool in_memory = static_cast<bool>(found);
                      if (found && from && *from >= 1)
                        messages = messages_json(*found->first, audience_of(*found->second), *from, req.base_url);
                      co_await ctx.leave();
                      if (!in_memory) {
                        auto old = stored_chat(ctx, req.caller->user_id, req.param("id"), false);
                        if (!old) co_return not_found();
                        if (from && *from >= 1)
                          messages = messages_json(*old, audience_of(*old->participant_of_user(req.caller->user_id)), *from,
                                                   req.base_url);
                      }
                      if (!messages) co_return error_response(make_error(ErrorKind::InvalidValue, "fromIndex must be an integer >= 1"));
                      co_return json_response(json::object{{"statusCode", 0}, {"messages", std::move(*messages)}});
                    }});

  routes.push_back({"GET", "/api/v2/chats/{id}", [&ctx](Request& req) -> awaitable<Response> {
                      if (auto denied = check_agent(ctx, req)) co_return *denied;
                      const bool supervisor = ctx.accounts.find_user(req.caller->user_id)->has_role(Role::Supervisor);
                      co_await ctx.enter_domain();
                      std::optional<json::object> chat;
                      if (auto found = ctx.desk.find_for(req.caller->user_id, req.param("id")))
                        chat = chat_json(*found->first, *found->second, req.base_url);
                      else if (const Chat* any = ctx.desk.find(req.param("id")); any && supervisor)
                        chat = observer_json(*any, req.base_url);
                      co_await ctx.leave();
                      if (!chat) {
                        if (auto old = stored_chat(ctx, req.caller->user_id, req.param("id"), supervisor)) {
                          const Participant* p = old->participant_of_user(req.caller->user_id);
                          chat = p ? chat_json(*old, *p, req.base_url) : observer_json(*old, req.base_url);
                        }
                      }
                      if (!chat) co_return not_found();
                      co_return json_response(json::object{{"statusCode", 0}, {"chat", std::move(*chat)}});
                    }});

  routes.push_back({"GET", "/api/v2/chats/{id}/transcript", [&ctx](Request& req) -> awaitable<Response> {
                      if (auto denied = check_agent(ctx, req)) co_return *denied;
                      const std::string format = req.query_param("format").value_or("json");
                      if (format != "json" && format != "text")
                        co_return error_response(make_error(ErrorKind::InvalidValue, "format must be text or json"));
                      const bool supervisor = ctx.accounts.find_user(req.caller->user_id)->has_role(Role::Supervisor);
                      co_await ctx.enter_domain();
                      const Chat* chat = nullptr;
                      Audience audience = Audience::Supervisor;
                      if (auto found = ctx.desk.find_for(req.caller->user_id, req.param("id"))) {
                        chat = found->first;
                        audience = audience_of(*found->second);
                      } else if (const Chat* any = ctx.desk.find(req.param("id")); any && supervisor) {
                        chat = any;
                      }
                      std::optional<Chat> old;
                      if (!chat) {
                        old = stored_chat(ctx, req.caller->user_id, req.param("id"), supervisor);
                        if (old) {
                          chat = &*old;
                          if (const Participant* p = old->participant_of_user(req.caller->user_id)) audience = audience_of(*p);
                        }
                      }
                      Response resp = not_found();
                      if (chat && format == "text") {
                        resp = Response{};
                        resp.content_type = "text/plain; charset=utf-8";
                        resp.body = transcript_text(*chat, audience);
                      } else if (chat) {
                        resp = json_response(json::object{{"statusCode", 0},
                                                          {"chatId", chat->id},
                                                          {"messages", messages_json(*chat, audience, 1, req.base_url)}});
                      }
                      co_await ctx.leave();
                      co_return resp;
                    }});

  routes.push_back({"POST", "/api/v2/me/chats/{id}", [&ctx](Request& req) -> awaitable<Response> {
                      if (auto denied = check_agent(ctx, req)) co_return *denied;
                      auto body = parse_object(req.body);
                      if (!body) co_return error_response(body.error());
                      auto op = get_string(*body, "operationName", true);
                      if (!op) co_return error_response(op.error());
                      auto ref = get_int(*body, "referenceId");
                      if (!ref) co_return error_response(ref.error());
                      const std::string name = **op;
                      const bool answers_reference = name == "Invite" || name == "Consult";
                      // targetUri names a user by URI or id; a user name is accepted too (what a
                      // person types into a desktop), resolved here to the user's id.
                      if (auto target = body->if_contains("targetUri"); target && target->is_string()) {
                        std::string text(target->get_string());
                        const std::string last = text.substr(text.find_last_of('/') + 1);
                        if (!ctx.accounts.find_user(last))
                          if (auto named = ctx.accounts.find_user_by_name(last)) (*body)["targetUri"] = named->id;
                      }
                      co_await ctx.enter_domain();
                      Response resp;
                      std::int64_t reference_id = ref->value_or(0);
                      if (!reference_id && answers_reference) reference_id = ++ctx.next_reference_id;
                      // The spec's order: unknown chat (6), unknown operation (10), capability (2), parameters.
                      bool performed = false;
                      if (!ctx.desk.find_for(req.caller->user_id, req.param("id"))) {
                        resp = not_found();
                      } else if (!is_chat_operation(name)) {
                        std::string allowed;
                        for (const auto& n : chat_operation_names()) allowed += (allowed.empty() ? "" : ", ") + n;
                        resp = error_response(make_error(ErrorKind::InvalidValue,
                                                         "Unknown operationName '" + name + "'; allowed: " + allowed));
                      } else {
                        auto authorized = ctx.desk.authorize(req.caller->user_id, req.param("id"), name);
                        Status done = authorized ? perform_chat_operation(ctx.desk, *authorized->first, *authorized->second,
                                                                          name, *body, reference_id)
                                                 : Status(authorized.error());
                        if (done) performed = true;
                        else resp = error_response(done.error());
                      }
                      if (performed) {
                        const bool stored = co_await commit_domain(ctx, reference_id);
                        if (!stored) {
                          resp = error_response(make_error(ErrorKind::StoreUnavailable, "The store cannot write; retry later"));
                        } else {
                          json::object answer{{"statusCode", 0}};
                          if (answers_reference || ref->has_value()) answer["referenceId"] = reference_id;
                          resp = json_response(answer);
                        }
                      }
                      co_await ctx.leave();
                      co_return resp;
                    }});
  return routes;
}

}  // namespace parley::gws
