#pragma once
// The end of every domain operation: store what changed (chats, log items, agent states),
// then publish the notifications rendered from it. Runs on the domain strand.
#include <cstdint>
#include <vector>

#include "gws/context.hpp"

namespace parley::gws {

// Returns false when the store refused: the changed chats and agent states are then
// reloaded from the store, so nothing that was not stored stays visible.
// (Parameters are trivially copyable on purpose: see the g++ 12 note in context.hpp.)
asio::awaitable<bool> commit_domain(ApiContext& ctx, std::int64_t reference_id = 0,
                                    const chat::AgentStateChange* agent_change = nullptr);

// Runs the desk's timers (offer timeouts, wait limit, idle customers) every `period`.
asio::awaitable<void> run_desk_timers(ApiContext& ctx, std::chrono::milliseconds period, const bool& stopping);

}  // namespace parley::gws
