#pragma once
// The GWS v2 routes of the platform: the user, agent state, users administration.
#include "common/route.hpp"
#include "gws/context.hpp"

namespace parley::gws {

RouteList me_routes(ApiContext& ctx);
RouteList user_routes(ApiContext& ctx);
RouteList diagnostics_routes(ApiContext& ctx);
RouteList chat_routes(ApiContext& ctx);
RouteList supervision_routes(ApiContext& ctx);

// Ends a user's contact-center session if it is open (idle expiry, EndContactCenterSession,
// disabling the user). Runs on the domain strand.
asio::awaitable<std::error_code> end_contact_center_session(ApiContext& ctx, const std::string& user_id);

// The agent's committed channel state, read on the domain strand.
asio::awaitable<chat::AgentState> agent_state_of(ApiContext& ctx, const std::string& user_id);

}  // namespace parley::gws
