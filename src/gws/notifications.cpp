#include "gws/notifications.hpp"

#include "gws/views.hpp"

namespace parley::gws {

void GwsNotifier::agent_state_changed(const chat::AgentStateChange& change) {
  json::object data{{"messageType", "ChannelStateChangeMessageV2"}, {"channels", channels_json(change.state)}};
  endpoint_.deliver(change.user_id, "/v2/me/channels", bayeux::make_message("/v2/me/channels", json::serialize(data)));
}

void GwsNotifier::user_sessions_ended(const std::string& user_id) { endpoint_.close_user(user_id); }

}  // namespace parley::gws
