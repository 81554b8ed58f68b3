#pragma once
// Chats and log items as one GWS participant sees them (chat.md shapes). Everything here
// asks chat/visibility.* what the viewer may see; nothing decides it again.
#include <boost/json.hpp>

#include <string>

#include "chat/model.hpp"

namespace parley::gws {

namespace json = boost::json;

std::string format_timestamp(TimeMs ms);  // 2014-05-05T11:08:45.000-0700 (here: +0000)

json::object participant_json(const chat::Participant& p, const std::string& base_url);
// The chat as `viewer` sees it: their state, their capabilities, the participants they may see.
json::object chat_json(const chat::Chat& chat, const chat::Participant& viewer, const std::string& base_url);
json::object message_json(const chat::Chat& chat, const chat::LogItem& item, chat::Audience viewer,
                          const std::string& base_url);
json::array messages_json(const chat::Chat& chat, chat::Audience viewer, std::int64_t from_index,
                          const std::string& base_url);
json::object user_data_json(const chat::UserData& data);

}  // namespace parley::gws
