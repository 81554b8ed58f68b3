#pragma once
// How chats and log items are written in the store: JSON text columns (Boost.JSON), so the
// schema does not change with every new field. The domain itself knows no JSON.
#include <string>
#include <string_view>

#include "chat/model.hpp"

namespace parley::store {

std::string encode_chat(const chat::Chat& chat);  // everything but the log
chat::Chat decode_chat(std::string_view text);
std::string encode_item(const chat::LogItem& item);
chat::LogItem decode_item(std::string_view text);

}  // namespace parley::store
