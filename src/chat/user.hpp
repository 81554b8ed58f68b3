#pragma once
// A Parley user (agent, supervisor, admin) as the domain knows it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::chat {

enum class Role { Agent, Supervisor, Admin };

std::string_view role_name(Role role);  // "ROLE_AGENT", ...
std::optional<Role> parse_role(std::string_view name);

inline constexpr std::string_view kFeatureMultimedia = "api-multimedia";
inline constexpr int kDefaultChatCapacity = 3;

struct User {
  std::string id;  // 32 lower-case hex digits
  std::string user_name;
  std::string first_name;
  std::string last_name;
  std::string email_address;
  std::vector<Role> roles;
  bool enabled = true;
  std::vector<std::string> features{std::string(kFeatureMultimedia)};
  int chat_capacity = kDefaultChatCapacity;
  std::string password_hash;  // Argon2id string; never leaves the server

  bool has_role(Role role) const;
  bool has_feature(std::string_view feature) const;
  // Agents and supervisors take part in chats; a pure admin does not.
  bool is_agent() const { return has_role(Role::Agent) || has_role(Role::Supervisor); }
};

// User names: 1-64 characters of letters, digits and . _ - @ (safe in URLs and logs).
bool valid_user_name(std::string_view name);

}  // namespace parley::chat
