#pragma once
// Password storage: Argon2id strings from libsodium (64 MiB, interactive limits). Both calls
// are slow on purpose; the server runs them on a small pool, never on an I/O thread.
#include <string>

namespace parley::gws {

std::string hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);

}  // namespace parley::gws
