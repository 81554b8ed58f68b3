#pragma once
// How a user's lists (roles, features) are written in a text column: comma-separated.
// Shared by both stores.
#include <string>
#include <vector>

#include "chat/user.hpp"

namespace parley::store {

std::string join_list(const std::vector<std::string>& items);
std::vector<std::string> split_list(const std::string& text);
std::string roles_text(const std::vector<chat::Role>& roles);
std::vector<chat::Role> parse_roles(const std::string& text);

}  // namespace parley::store
