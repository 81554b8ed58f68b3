#pragma once
// This machine's name, for telling nodes and command-line runs apart in a cluster.
#include <unistd.h>

#include <string>

namespace parley {

inline std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "localhost";
  return host;
}

}  // namespace parley
