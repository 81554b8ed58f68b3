#pragma once
// `parley users ...`: account set-up without a running server, straight on the store: the
// embedded one in data_dir, or a cluster's PostgreSQL store while no node holds its desk.
#include <string>
#include <vector>

namespace parley::app {

struct UserCommand {
  std::string action;  // add, list, passwd, disable
  std::string data_dir;
  std::string store_url;  // postgres://...: the cluster's store instead of data_dir
  std::string user_name;
  std::string password;  // empty: read from standard input
  std::string roles = "ROLE_AGENT";
  std::string first_name, last_name, email;
};

int run_user_command(const UserCommand& cmd);

}  // namespace parley::app
