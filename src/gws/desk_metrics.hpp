#pragma once
// The chat desk's figures for /metrics: chats by state, queue lengths and waits per
// service, offers by outcome, messages, supervisions by mode, agents by state. Read on the
// domain strand at scrape time, so nothing is counted twice or torn.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "gws/context.hpp"

namespace parley::gws {

boost::asio::awaitable<std::string> render_desk_metrics(ApiContext& ctx);

}  // namespace parley::gws
