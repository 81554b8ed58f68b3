#pragma once
// Unguessable identifiers and secrets, from libsodium's CSPRNG.
#include <string>

namespace parley {

// 32 lower-case hex digits (user ids).
std::string random_hex_id();
// `length` ASCII letters and digits (chat and participant ids are 16).
std::string random_alnum(std::size_t length);
// A URL-safe secret of 32 random bytes (session tokens, CSRF tokens).
std::string random_token();
// Keyed-free BLAKE2b digest as hex: stored instead of a secret itself.
std::string digest_hex(const std::string& data);

}  // namespace parley
