#pragma once
// GWS notifications: domain changes turned into the CometD messages of notifications.md and
// published to the user's Bayeux sessions. Serialized once per change.
#include "bayeux/endpoint.hpp"
#include "gws/context.hpp"

namespace parley::gws {

class GwsNotifier final : public ChangeListener {
 public:
  explicit GwsNotifier(bayeux::Endpoint& endpoint) : endpoint_(endpoint) {}
  void agent_state_changed(const chat::AgentStateChange& change) override;
  void user_sessions_ended(const std::string& user_id) override;

 private:
  bayeux::Endpoint& endpoint_;
};

}  // namespace parley::gws
