#pragma once
// The operations of POST /api/v2/me/chats/{id} (chat.md table): parameters read and checked
// here, the effect applied by the desk. Runs on the domain strand after the capability check.
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "chat/desk.hpp"
#include "common/error.hpp"

namespace parley::gws {

// Every operation name accepted (aliases included), for "unknown operationName" messages.
const std::vector<std::string>& chat_operation_names();
bool is_chat_operation(const std::string& name);

Status perform_chat_operation(chat::Desk& desk, chat::Chat& chat, chat::Participant& me, const std::string& op,
                              const boost::json::object& body, std::int64_t reference_id);

}  // namespace parley::gws
