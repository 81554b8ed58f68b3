#include "chat/user.hpp"

#include <algorithm>

namespace parley::chat {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::Agent: return "ROLE_AGENT";
    case Role::Supervisor: return "ROLE_SUPERVISOR";
    case Role::Admin: return "ROLE_ADMIN";
  }
  return "ROLE_AGENT";
}

std::optional<Role> parse_role(std::string_view name) {
  if (name == "ROLE_AGENT") return Role::Agent;
  if (name == "ROLE_SUPERVISOR") return Role::Supervisor;
  if (name == "ROLE_ADMIN") return Role::Admin;
  return std::nullopt;
}

bool User::has_role(Role role) const { return std::find(roles.begin(), roles.end(), role) != roles.end(); }

bool User::has_feature(std::string_view feature) const {
  return std::find(features.begin(), features.end(), feature) != features.end();
}

bool valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@';
  });
}

}  // namespace parley::chat
