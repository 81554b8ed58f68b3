#include "gws/floor.hpp"

#include "gws/chat_views.hpp"
#include "gws/views.hpp"

namespace parley::gws {

namespace json = boost::json;

json::array floor_chats(const chat::Desk& desk, const std::string& user_id, const std::string& base_url) {
  json::array out;
  for (const chat::Chat* c : desk.active_chats_of(user_id)) {
    const chat::Participant* me = c->participant_of_user(user_id);
    if (!me || me->role != chat::ParticipantRole::Agent) continue;
    std::string customer;
    json::array supervisors;
    for (const auto& p : c->participants) {
      if (p.role == chat::ParticipantRole::Customer) customer = p.nickname;
      if (p.role == chat::ParticipantRole::Supervisor && p.present())
        supervisors.push_back(json::object{{"userId", p.user_id}, {"nickname", p.nickname}, {"mode", chat::mode_name(p.mode)}});
    }
    out.push_back(json::object{{"id", c->id},
                               {"uri", base_url + "/api/v2/chats/" + c->id},
                               {"state", chat::state_name(me->state)},
                               {"receivedDate", format_timestamp(c->received_ms)},
                               {"nickname", customer},
                               {"supervisors", std::move(supervisors)}});
  }
  return out;
}

void FloorNotifier::update(ApiContext& ctx, const std::vector<std::string>& agents) {
  json::array changed;
  for (const auto& id : agents) {
    auto user = ctx.accounts.find_user(id);
    if (!user || !user->is_agent()) continue;
    json::object entry = user_json(*user, base_url_);
    entry["channels"] = channels_json(ctx.agents.get(id));
    entry["chats"] = floor_chats(ctx.desk, id, base_url_);
    std::string text = json::serialize(entry);
    auto& last = last_[id];
    if (last == text) continue;  // a message in a chat does not change the floor
    last = std::move(text);
    changed.push_back(std::move(entry));
  }
  if (changed.empty()) return;
  const auto message = bayeux::make_message(
      "/v2/me/floor", json::serialize(json::object{{"messageType", "FloorUpdated"}, {"agents", std::move(changed)}}));
  for (const auto& u : ctx.accounts.list_users())
    if (u.has_role(chat::Role::Supervisor)) endpoint_.deliver(u.id, "/v2/me/floor", message);
}

}  // namespace parley::gws
