#include "store/user_codec.hpp"

#include <sstream>

namespace parley::store {

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string roles_text(const std::vector<chat::Role>& roles) {
  std::vector<std::string> names;
  for (auto r : roles) names.emplace_back(chat::role_name(r));
  return join_list(names);
}

std::vector<chat::Role> parse_roles(const std::string& text) {
  std::vector<chat::Role> roles;
  for (const auto& name : split_list(text))
    if (auto r = chat::parse_role(name)) roles.push_back(*r);
  return roles;
}

}  // namespace parley::store
