#pragma once
// What a participant may do now (chat.md and supervision.md): the `capabilities` array,
// and the check every operation passes.
#include <string_view>
#include <vector>

#include "chat/model.hpp"

namespace parley::chat {

std::vector<std::string_view> capabilities(const Chat& chat, const Participant& p);
// The capability an operation name needs ("SwitchToBargeIn" -> "SwitchBargeIn", aliases).
std::string_view capability_for(std::string_view operation);
bool has_capability(const Chat& chat, const Participant& p, std::string_view operation);

}  // namespace parley::chat
