#include <boost/json.hpp>

#include "common/random.hpp"
#include "gws/floor.hpp"
#include "gws/errors.hpp"
#include "gws/json_body.hpp"
#include "gws/passwords.hpp"
#include "gws/routes.hpp"
#include "gws/views.hpp"

namespace parley::gws {
namespace {

using asio::awaitable;

constexpr std::size_t kMaxNameField = 128;
constexpr std::size_t kMaxPassword = 1024;

bool may_read_users(const chat::User& u) { return u.has_role(chat::Role::Supervisor) || u.has_role(chat::Role::Admin); }

Response forbidden(const char* what) { return error_response(make_error(ErrorKind::Forbidden, what)); }
Response store_unavailable() {
  return error_response(make_error(ErrorKind::StoreUnavailable, "The store cannot write; retry later"));
}

// Applies the fields present in `body` to `user`; `creating` makes userName and password required.
Status apply_user_fields(chat::User& user, const json::object& body, bool creating, std::optional<std::string>& password) {
  auto user_name = get_string(body, "userName", creating);
  if (!user_name) return user_name.error();
  auto pw = get_string(body, "password", creating);
  if (!pw) return pw.error();
  if (*user_name) {
    if (!chat::valid_user_name(**user_name))
      return make_error(ErrorKind::InvalidValue, "userName must be 1-64 letters, digits or . _ - @");
    user.user_name = **user_name;
  }
  if (*pw) {
    if ((*pw)->empty() || (*pw)->size() > kMaxPassword)
      return make_error(ErrorKind::InvalidValue, "password must be 1-1024 characters");
    password = **pw;
  }
  for (auto [key, field] : {std::pair{"firstName", &chat::User::first_name}, std::pair{"lastName", &chat::User::last_name},
                            std::pair{"emailAddress", &chat::User::email_address}}) {
    auto v = get_string(body, key);
    if (!v) return v.error();
    if (*v) {
      if ((*v)->size() > kMaxNameField) return make_error(ErrorKind::InvalidValue, std::string(key) + " is too long");
      user.*field = **v;
    }
  }
  auto roles = get_string_list(body, "roles");
  if (!roles) return roles.error();
  if (*roles) {
    std::vector<chat::Role> parsed;
    for (const auto& name : **roles) {
      auto r = chat::parse_role(name);
      if (!r) return make_error(ErrorKind::InvalidValue, "Unknown role " + name + "; allowed: ROLE_AGENT, ROLE_SUPERVISOR, ROLE_ADMIN");
      if (std::find(parsed.begin(), parsed.end(), *r) == parsed.end()) parsed.push_back(*r);
    }
    if (parsed.empty()) return make_error(ErrorKind::InvalidValue, "roles must name at least one role");
    user.roles = parsed;
  } else if (creating) {
    user.roles = {chat::Role::Agent};
  }
  auto enabled = get_bool(body, "enabled");
  if (!enabled) return enabled.error();
  if (*enabled) user.enabled = **enabled;
  auto features = get_string_list(body, "features");
  if (!features) return features.error();
  if (*features) user.features = **features;
  auto capacity = get_int(body, "chatCapacity");
  if (!capacity) return capacity.error();
  if (*capacity) {
    if (**capacity < 0 || **capacity > 100) return make_error(ErrorKind::InvalidValue, "chatCapacity must be 0-100");
    user.chat_capacity = static_cast<int>(**capacity);
  }
  return Ok{};
}

// Stores a user change, undoing it in memory if the store refuses.
awaitable<Response> store_user(ApiContext& ctx, const chat::User& user, const std::optional<chat::User>& before,
                               json::object answer) {
  if (auto st = ctx.accounts.put_user(user); !st) co_return error_response(st.error());
  store::Batch batch;
  batch.push_back(store::PutUser{user});
  const std::error_code ec = co_await ctx.commit(std::move(batch));
  if (ec) {
    if (before) ctx.accounts.put_user(*before);
    else ctx.accounts.remove_user(user.id);
    co_return store_unavailable();
  }
  co_return json_response(answer);
}

// The supervisor's floor view of one agent (supervision.md): their live chats.
awaitable<json::array> floor_chats_of(ApiContext& ctx, const std::string& user_id, const std::string& base_url) {
  co_await ctx.enter_domain();
  json::array out = floor_chats(ctx.desk, user_id, base_url);
  co_await ctx.leave();
  co_return out;
}

awaitable<std::string> hash_off_thread(ApiContext& ctx, const std::string& password) {
  co_await ctx.enter_password_pool();
  std::string hash = hash_password(password);
  co_await ctx.leave();
  co_return hash;
}

// A user who may no longer sign in loses their sessions and contact-center session.
awaitable<std::error_code> sign_out_everywhere(ApiContext& ctx, const std::string& user_id) {
  auto records = ctx.accounts.end_user_sessions(user_id);
  if (ctx.listener) ctx.listener->user_sessions_ended(user_id);
  const std::error_code ec = co_await ctx.commit(std::move(records));
  if (ec) co_return ec;
  co_return co_await end_contact_center_session(ctx, user_id);
}

}  // namespace

RouteList user_routes(ApiContext& ctx) {
  RouteList routes;
  routes.push_back({"GET", "/api/v2/users", [&ctx](Request& req) -> awaitable<Response> {
                      auto me = ctx.accounts.find_user(req.caller->user_id);
                      if (!me || !may_read_users(*me)) co_return forbidden("Only supervisors and admins may list users");
                      std::vector<chat::Role> wanted;
                      if (auto roles = req.query_param("roles")) {
                        std::stringstream in(*roles);
                        std::string name;
                        while (std::getline(in, name, ',')) {
                          auto r = chat::parse_role(name);
                          if (!r) co_return error_response(make_error(ErrorKind::InvalidValue, "Unknown role " + name));
                          wanted.push_back(*r);
                        }
                      }
                      auto sub = Subresources::parse(req.query_param("subresources").value_or(""));
                      json::array users;
                      for (const auto& u : ctx.accounts.list_users()) {
                        if (!wanted.empty() &&
                            std::none_of(wanted.begin(), wanted.end(), [&](auto r) { return u.has_role(r); }))
                          continue;
                        auto obj = user_json(u, req.base_url);
                        if (sub.features || sub.channels || sub.settings) {
                          chat::AgentState state;
                          if (sub.channels)
                            state = co_await agent_state_of(ctx, u.id);
                          add_subresources(obj, u, sub, state);
                        }
                        if (sub.chats) obj["chats"] = co_await floor_chats_of(ctx, u.id, req.base_url);
                        users.push_back(std::move(obj));
                      }
                      co_return json_response(json::object{{"statusCode", 0}, {"users", std::move(users)}});
                    }});

  routes.push_back({"POST", "/api/v2/users", [&ctx](Request& req) -> awaitable<Response> {
                      auto me = ctx.accounts.find_user(req.caller->user_id);
                      if (!me || !me->has_role(chat::Role::Admin)) co_return forbidden("Only admins may create users");
                      auto body = parse_object(req.body);
                      if (!body) co_return error_response(body.error());
                      chat::User user;
                      user.id = random_hex_id();
                      std::optional<std::string> password;
                      if (auto st = apply_user_fields(user, *body, true, password); !st) co_return error_response(st.error());
                      if (ctx.accounts.find_user_by_name(user.user_name))
                        co_return error_response(
                            make_error(ErrorKind::AlreadyExists, "A user named " + user.user_name + " already exists"));
                      user.password_hash = co_await hash_off_thread(ctx, *password);
                      const std::string path = "/users/" + user.id;
                      json::object answer{{"statusCode", 0},
                                          {"id", user.id},
                                          {"uri", req.base_url + "/api/v2" + path},
                                          {"path", path}};
                      co_return co_await store_user(ctx, user, std::nullopt, std::move(answer));
                    }});

  routes.push_back({"GET", "/api/v2/users/{id}", [&ctx](Request& req) -> awaitable<Response> {
                      auto me = ctx.accounts.find_user(req.caller->user_id);
                      const std::string& id = req.param("id");
                      if (!me || (!may_read_users(*me) && me->id != id))
                        co_return forbidden("Only supervisors and admins may read other users");
                      auto user = ctx.accounts.find_user(id);
                      if (!user) co_return error_response(make_error(ErrorKind::NotFound, "No such user"));
                      co_return json_response(
                          json::object{{"statusCode", 0}, {"user", user_json(*user, req.base_url)}});
                    }});

  routes.push_back({"PUT", "/api/v2/users/{id}", [&ctx](Request& req) -> awaitable<Response> {
                      auto me = ctx.accounts.find_user(req.caller->user_id);
                      if (!me || !me->has_role(chat::Role::Admin)) co_return forbidden("Only admins may change users");
                      auto before = ctx.accounts.find_user(req.param("id"));
                      if (!before) co_return error_response(make_error(ErrorKind::NotFound, "No such user"));
                      auto body = parse_object(req.body);
                      if (!body) co_return error_response(body.error());
                      chat::User user = *before;
                      std::optional<std::string> password;
                      if (auto st = apply_user_fields(user, *body, false, password); !st) co_return error_response(st.error());
                      if (password)
                        user.password_hash = co_await hash_off_thread(ctx, *password);
                      json::object ok{{"statusCode", 0}};
                      auto answer = co_await store_user(ctx, user, before, std::move(ok));
                      if (answer.status == 200 && (password || !user.enabled)) {
                        const std::error_code ec = co_await sign_out_everywhere(ctx, user.id);
                        if (ec) co_return store_unavailable();
                      }
                      co_return answer;
                    }});

  routes.push_back({"DELETE", "/api/v2/users/{id}", [&ctx](Request& req) -> awaitable<Response> {
                      auto me = ctx.accounts.find_user(req.caller->user_id);
                      if (!me || !me->has_role(chat::Role::Admin)) co_return forbidden("Only admins may delete users");
                      auto user = ctx.accounts.find_user(req.param("id"));
                      if (!user) co_return error_response(make_error(ErrorKind::NotFound, "No such user"));
                      if (user->id == me->id)
                        co_return error_response(make_error(ErrorKind::InvalidState, "Admins cannot delete themselves"));
                      const std::error_code signed_out = co_await sign_out_everywhere(ctx, user->id);
                      if (signed_out) co_return store_unavailable();
                      ctx.accounts.remove_user(user->id);
                      store::Batch batch;
                      batch.push_back(store::DeleteUser{user->id});
                      const std::error_code ec = co_await ctx.commit(std::move(batch));
                      if (ec) {
                        ctx.accounts.put_user(*user);
                        co_return store_unavailable();
                      }
                      co_return ok_response();
                    }});
  return routes;
}

}  // namespace parley::gws
