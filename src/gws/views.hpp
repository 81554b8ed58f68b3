#pragma once
// Domain objects as GWS JSON (platform.md shapes).
#include <boost/json.hpp>

#include <string>

#include "chat/agent_state.hpp"
#include "chat/user.hpp"

namespace parley::gws {

namespace json = boost::json;

inline constexpr const char* kReadyStateId = "9430250E-0A1B-421F-B372-F29E69366DED";
inline constexpr const char* kNotReadyStateId = "900D55CC-2BB0-431F-8BF9-D3525B383BE6";

struct Subresources {
  bool features = false;
  bool channels = false;
  bool settings = false;
  bool chats = false;
  // "*" or a comma list such as "features,channels".
  static Subresources parse(const std::string& text);
};

// The `channels` array: empty when the user has no contact-center session.
json::array channels_json(const chat::AgentState& state);
json::object user_json(const chat::User& user, const std::string& base_url);
// Adds the requested subresources to a user object.
void add_subresources(json::object& user_obj, const chat::User& user, const Subresources& sub,
                      const chat::AgentState& state);

}  // namespace parley::gws
