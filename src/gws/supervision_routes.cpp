// Starting and stopping supervision of an agent (supervision.md):
// POST/GET /api/v2/users/{agentUserId}/channels/chat.
#include <boost/json.hpp>

#include "gws/domain_commit.hpp"
#include "gws/errors.hpp"
#include "gws/json_body.hpp"
#include "gws/routes.hpp"

namespace parley::gws {
namespace {

using asio::awaitable;
using namespace parley::chat;

// Role (5), then the target agent (6), in the spec's order.
std::optional<Response> check(ApiContext& ctx, const Request& req) {
  auto me = ctx.accounts.find_user(req.caller->user_id);
  if (!me || !me->has_role(Role::Supervisor))
    return error_response(make_error(ErrorKind::Forbidden, "Only supervisors may supervise agents"));
  auto agent = ctx.accounts.find_user(req.param("agentUserId"));
  if (!agent || !agent->is_agent()) return error_response(make_error(ErrorKind::NotFound, "No such agent"));
  return std::nullopt;
}

json::object supervision_json(const Supervision& s) {
  return json::object{{"userId", s.supervisor_id},
                      {"nickname", s.nickname},
                      {"mode", mode_name(s.mode)},
                      {"supervisorMonitoringMode", s.scope == MonitoringScope::NextChat ? "NextChat" : "AllChats"}};
}

}  // namespace

RouteList supervision_routes(ApiContext& ctx) {
  RouteList routes;
  routes.push_back({"GET", "/api/v2/users/{agentUserId}/channels/chat", [&ctx](Request& req) -> awaitable<Response> {
                      if (auto denied = check(ctx, req)) co_return *denied;
                      co_await ctx.enter_domain();
                      json::array list;
                      for (const auto& s : ctx.desk.supervisions_of_agent(req.param("agentUserId")))
                        list.push_back(supervision_json(s));
                      co_await ctx.leave();
                      co_return json_response(json::object{{"statusCode", 0}, {"supervisors", std::move(list)}});
                    }});

  routes.push_back({"POST", "/api/v2/users/{agentUserId}/channels/chat", [&ctx](Request& req) -> awaitable<Response> {
                      if (auto denied = check(ctx, req)) co_return *denied;
                      auto body = parse_object(req.body);
                      if (!body) co_return error_response(body.error());
                      auto op = get_string(*body, "operationName", true);
                      if (!op) co_return error_response(op.error());
                      const std::string name = **op;
                      std::optional<SupervisionMode> mode;
                      if (name == "Monitor") mode = SupervisionMode::Monitor;
                      else if (name == "Coach") mode = SupervisionMode::Coach;
                      else if (name == "BargeIn") mode = SupervisionMode::BargeIn;
                      else if (name != "CancelSupervisorMonitoring")
                        co_return error_response(make_error(
                            ErrorKind::InvalidValue,
                            "Unknown operationName '" + name + "'; allowed: Monitor, Coach, BargeIn, CancelSupervisorMonitoring"));
                      Supervision s;
                      s.supervisor_id = req.caller->user_id;
                      s.agent_id = req.param("agentUserId");
                      bool include_current = false;
                      if (mode) {
                        s.mode = *mode;
                        auto scope = get_string(*body, "supervisorMonitoringMode");
                        if (!scope) co_return error_response(scope.error());
                        if (*scope && **scope != "AllChats" && **scope != "NextChat")
                          co_return error_response(make_error(ErrorKind::InvalidValue,
                                                              "supervisorMonitoringMode must be AllChats or NextChat"));
                        s.scope = scope->value_or("AllChats") == "NextChat" ? MonitoringScope::NextChat : MonitoringScope::AllChats;
                        auto nickname = get_string(*body, "nickname");
                        if (!nickname) co_return error_response(nickname.error());
                        if (nickname->value_or("").size() > 64)
                          co_return error_response(make_error(ErrorKind::InvalidValue, "nickname is longer than 64"));
                        s.nickname = nickname->value_or(ctx.accounts.find_user(s.supervisor_id)->user_name);
                        auto current = get_bool(*body, "includeCurrentChats");
                        if (!current) co_return error_response(current.error());
                        include_current = current->value_or(false);
                      }
                      co_await ctx.enter_domain();
                      Status done = mode ? ctx.desk.supervise(s, include_current)
                                         : ctx.desk.cancel_supervision(s.supervisor_id, s.agent_id);
                      bool stored = true;
                      if (done) stored = co_await commit_domain(ctx);
                      co_await ctx.leave();
                      if (!done) co_return error_response(done.error());
                      if (!stored)
                        co_return error_response(make_error(ErrorKind::StoreUnavailable, "The store cannot write; retry later"));
                      co_return ok_response();
                    }});
  return routes;
}

}  // namespace parley::gws
