#pragma once
// The supervisor's floor view (supervision.md): each agent's channel state and live chats,
// for GET /api/v2/users?subresources=chats and the /v2/me/floor notifications.
#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "bayeux/endpoint.hpp"
#include "gws/context.hpp"

namespace parley::gws {

// An agent's live chats as the floor shows them. On the domain strand.
boost::json::array floor_chats(const chat::Desk& desk, const std::string& user_id, const std::string& base_url);

// Sends FloorUpdated with the changed agent entries to every supervisor. On the domain strand.
class FloorNotifier {
 public:
  FloorNotifier(bayeux::Endpoint& endpoint, std::string base_url) : endpoint_(endpoint), base_url_(std::move(base_url)) {}
  // `agents`: users whose entry may have changed.
  void update(ApiContext& ctx, const std::vector<std::string>& agents);

 private:
  bayeux::Endpoint& endpoint_;
  std::string base_url_;
  std::map<std::string, std::string> last_;  // agent -> the entry last sent
};

}  // namespace parley::gws
