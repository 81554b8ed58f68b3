#include <boost/json.hpp>

#include "gws/domain_commit.hpp"
#include "gws/errors.hpp"
#include "gws/json_body.hpp"
#include "gws/routes.hpp"
#include "gws/views.hpp"

namespace parley::gws {
namespace {

using asio::awaitable;
using chat::AgentStateChange;

Response unknown_operation(const std::string& name, const char* allowed) {
  return error_response(
      make_error(ErrorKind::InvalidValue, "Unknown operationName '" + name + "'; allowed: " + allowed));
}

Response store_unavailable() {
  return error_response(make_error(ErrorKind::StoreUnavailable, "The store cannot write; retry later"));
}

// After the domain applied a change: store it, then tell listeners. Runs on the domain
// strand. A failed commit puts the committed state back, so nobody acts on what was not stored.
awaitable<bool> store_change(ApiContext& ctx, const AgentStateChange& change) {
  // Routing follows: a Ready agent may get an offer, a NotReady one loses pending offers.
  ctx.desk.agent_availability_changed(change.user_id);
  co_return co_await commit_domain(ctx, 0, &change);
}

// Applies one agent-state operation on the domain strand and stores it.
awaitable<Response> change_state(ApiContext& ctx, const std::function<Expected<AgentStateChange>()>& op) {
  co_await ctx.enter_domain();
  auto change = op();
  bool stored = false;
  if (change) stored = co_await store_change(ctx, *change);
  co_await ctx.leave();
  if (!change) co_return error_response(change.error());
  co_return stored ? ok_response() : store_unavailable();
}

awaitable<Response> start_session(ApiContext& ctx, const std::string& user_id, const json::object& body) {
  auto channels = get_string_list(body, "channels", true);
  if (!channels) co_return error_response(channels.error());
  if ((*channels)->empty()) co_return error_response(make_error(ErrorKind::MissingParameter, "channels is empty"));
  co_await ctx.enter_domain();
  auto outcome = ctx.agents.start_session(user_id, **channels);
  bool stored = true;
  if (outcome && outcome->change) stored = co_await store_change(ctx, *outcome->change);
  co_await ctx.leave();
  if (!outcome) co_return error_response(outcome.error());
  if (!stored) co_return store_unavailable();
  if (outcome->all_ok()) co_return ok_response();
  // Partial success: statusCode 7 with the result of each channel.
  json::array results;
  for (const auto& r : outcome->channels) {
    json::object item{{"channel", r.channel}, {"statusCode", r.ok ? 0 : 2}};
    if (!r.ok) item["statusMessage"] = "Unknown channel";
    results.push_back(std::move(item));
  }
  co_return json_response(json::object{{"statusCode", 7},
                                       {"statusMessage", "Some channels could not be started"},
                                       {"channels", std::move(results)}});
}

Expected<std::string> reason_of(const json::object& body) {
  auto reason = get_string(body, "reason");
  if (!reason) return reason.error();
  if (reason->value_or("").size() > 256) return make_error(ErrorKind::InvalidValue, "reason is longer than 256");
  return reason->value_or("");
}

awaitable<Response> set_state(ApiContext& ctx, const std::string& user_id, const std::string& op,
                              const json::object& body, const char* allowed) {
  if (op == "Ready") {
    std::function<Expected<AgentStateChange>()> ready = [&] { return ctx.agents.set_ready(user_id); };
    co_return co_await change_state(ctx, ready);
  }
  if (op == "NotReady") {
    auto reason = reason_of(body);
    if (!reason) co_return error_response(reason.error());
    std::function<Expected<AgentStateChange>()> not_ready = [&] { return ctx.agents.set_not_ready(user_id, *reason); };
    co_return co_await change_state(ctx, not_ready);
  }
  co_return unknown_operation(op, allowed);
}

// Role and body checks shared by the two agent-state URLs, in the spec's error order.
Expected<std::pair<json::object, std::string>> read_operation(ApiContext& ctx, const Request& req) {
  auto user = ctx.accounts.find_user(req.caller->user_id);
  if (!user || !user->is_agent())
    return make_error(ErrorKind::Forbidden, "Only agents and supervisors have a contact-center session");
  auto body = parse_object(req.body);
  if (!body) return body.error();
  auto op = get_string(*body, "operationName", true);
  if (!op) return op.error();
  return std::make_pair(std::move(*body), **op);
}

}  // namespace

awaitable<std::error_code> end_contact_center_session(ApiContext& ctx, const std::string& user_id) {
  co_await ctx.enter_domain();
  auto change = ctx.agents.end_session(user_id);
  ctx.desk.end_supervisions_of(user_id);  // supervision ends with the supervisor's session
  bool stored = true;
  if (change) stored = co_await store_change(ctx, *change);
  else stored = co_await commit_domain(ctx);
  co_await ctx.leave();
  co_return stored ? std::error_code{} : make_error_code(store::StoreError::Unavailable);
}

awaitable<chat::AgentState> agent_state_of(ApiContext& ctx, const std::string& user_id) {
  co_await ctx.enter_domain();
  chat::AgentState state = ctx.agents.get(user_id);
  co_await ctx.leave();
  co_return state;
}

RouteList me_routes(ApiContext& ctx) {
  RouteList routes;
  routes.push_back({"GET", "/api/v2/me", [&ctx](Request& req) -> awaitable<Response> {
                      auto user = ctx.accounts.find_user(req.caller->user_id);
                      if (!user) co_return error_response(make_error(ErrorKind::NotAuthenticated, "Access denied"));
                      auto obj = user_json(*user, req.base_url);
                      auto sub = Subresources::parse(req.query_param("subresources").value_or(""));
                      if (sub.features || sub.channels || sub.settings) {
                        chat::AgentState state;
                        if (sub.channels)
                          state = co_await agent_state_of(ctx, user->id);
                        add_subresources(obj, *user, sub, state);
                      }
                      co_return json_response(json::object{{"statusCode", 0}, {"user", std::move(obj)}});
                    }});

  routes.push_back({"POST", "/api/v2/me", [&ctx](Request& req) -> awaitable<Response> {
                      static constexpr const char* allowed =
                          "StartContactCenterSession, EndContactCenterSession, Ready, NotReady";
                      auto parsed = read_operation(ctx, req);
                      if (!parsed) co_return error_response(parsed.error());
                      auto& [body, op] = *parsed;
                      const std::string user_id = req.caller->user_id;
                      if (op == "StartContactCenterSession") co_return co_await start_session(ctx, user_id, body);
                      if (op == "EndContactCenterSession") {
                        // The cookie stops working at once; the agent's state is then stored.
                        auto records = ctx.accounts.end_user_sessions(user_id);
                        if (ctx.listener) ctx.listener->user_sessions_ended(user_id);
                        auto ec = co_await ctx.commit(std::move(records));
                        if (!ec) ec = co_await end_contact_center_session(ctx, user_id);
                        if (ec) co_return store_unavailable();
                        auto resp = ok_response();
                        resp.set_header("Set-Cookie", "JSESSIONID=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
                        co_return resp;
                      }
                      co_return co_await set_state(ctx, user_id, op, body, allowed);
                    }});

  routes.push_back({"GET", "/api/v2/me/channels", [&ctx](Request& req) -> awaitable<Response> {
                      auto state = co_await agent_state_of(ctx, req.caller->user_id);
                      co_return json_response(json::object{{"statusCode", 0}, {"channels", channels_json(state)}});
                    }});

  routes.push_back({"POST", "/api/v2/me/channels/chat", [&ctx](Request& req) -> awaitable<Response> {
                      auto parsed = read_operation(ctx, req);
                      if (!parsed) co_return error_response(parsed.error());
                      auto& [body, op] = *parsed;
                      co_return co_await set_state(ctx, req.caller->user_id, op, body, "Ready, NotReady");
                    }});
  return routes;
}

RouteList diagnostics_routes(ApiContext& ctx) {
  RouteList routes;
  routes.push_back({"GET", "/api/v2/diagnostics/version",
                    [&ctx](Request&) -> awaitable<Response> {
                      co_return json_response(json::object{{"statusCode", 0}, {"version", ctx.settings.version}});
                    },
                    Access::Public});
  return routes;
}

}  // namespace parley::gws
