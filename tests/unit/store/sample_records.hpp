#pragma once
// Records the store tests write and read back.
#include "chat/user.hpp"

namespace parley::store::samples {

inline chat::User sample_user() {
  chat::User u;
  u.id = "0123456789abcdef0123456789abcdef";
  u.user_name = "agent1";
  u.first_name = "Alice";
  u.roles = {chat::Role::Agent, chat::Role::Supervisor};
  u.password_hash = "$argon2id$x";
  return u;
}

}  // namespace parley::store::samples
