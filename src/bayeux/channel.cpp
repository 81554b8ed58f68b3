#include "bayeux/channel.hpp"

namespace parley::bayeux {

bool valid_channel(std::string_view name) {
  if (name.size() < 2 || name.size() > 512 || name.front() != '/' || name.back() == '/') return false;
  for (std::size_t i = 1; i < name.size(); ++i) {
    const unsigned char c = name[i];
    if (c == '/' && name[i - 1] == '/') return false;
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool is_meta(std::string_view channel) { return channel.starts_with("/meta/"); }
bool is_service(std::string_view channel) { return channel.starts_with("/service/"); }
bool is_pattern(std::string_view channel) { return channel.ends_with("/*") || channel.ends_with("/**"); }

bool channel_matches(std::string_view pattern, std::string_view channel) {
  if (pattern.ends_with("/**")) {
    std::string_view prefix = pattern.substr(0, pattern.size() - 2);  // keeps the trailing '/'
    return channel.size() > prefix.size() && channel.starts_with(prefix);
  }
  if (pattern.ends_with("/*")) {
    std::string_view prefix = pattern.substr(0, pattern.size() - 1);
    if (channel.size() <= prefix.size() || !channel.starts_with(prefix)) return false;
    return channel.substr(prefix.size()).find('/') == std::string_view::npos;
  }
  return pattern == channel;
}

}  // namespace parley::bayeux
