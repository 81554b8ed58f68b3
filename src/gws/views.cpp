#include "gws/views.hpp"

#include <sstream>

namespace parley::gws {

Subresources Subresources::parse(const std::string& text) {
  Subresources s;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item == "*") s.features = s.channels = s.settings = s.chats = true;
    else if (item == "features") s.features = true;
    else if (item == "channels") s.channels = true;
    else if (item == "settings") s.settings = true;
    else if (item == "chats") s.chats = true;
  }
  return s;
}

json::array channels_json(const chat::AgentState& state) {
  json::array out;
  if (!state.logged_in()) return out;
  json::object user_state;
  if (state.chat == chat::ChannelState::Ready) {
    user_state = {{"id", kReadyStateId}, {"state", "Ready"}, {"displayName", "Ready"}};
  } else {
    user_state = {{"id", kNotReadyStateId}, {"state", "NotReady"}, {"displayName", "Not Ready"}};
    if (!state.reason.empty()) user_state["reason"] = state.reason;
  }
  out.push_back(json::object{{"channel", chat::kChatChannel}, {"userState", std::move(user_state)}});
  return out;
}

json::object user_json(const chat::User& user, const std::string& base_url) {
  json::array roles;
  for (auto r : user.roles) roles.emplace_back(chat::role_name(r));
  const std::string path = "/users/" + user.id;
  return json::object{{"id", user.id},
                      {"userName", user.user_name},
                      {"firstName", user.first_name},
                      {"lastName", user.last_name},
                      {"emailAddress", user.email_address},
                      {"roles", std::move(roles)},
                      {"enabled", user.enabled},
                      {"uri", base_url + "/api/v2" + path},
                      {"path", path}};
}

void add_subresources(json::object& obj, const chat::User& user, const Subresources& sub,
                      const chat::AgentState& state) {
  if (sub.features) {
    json::array features;
    for (const auto& f : user.features) features.emplace_back(f);
    obj["features"] = std::move(features);
  }
  if (sub.channels) obj["channels"] = channels_json(state);
  if (sub.settings) obj["settings"] = json::object{{"chat", json::object{{"capacity", user.chat_capacity}}}};
}

}  // namespace parley::gws
