#pragma once
// Bayeux channel names and patterns: "/a/b", "/a/*" (one segment), "/a/**" (any depth).
#include <string_view>

namespace parley::bayeux {

bool valid_channel(std::string_view name);  // "/" then non-empty segments
bool is_meta(std::string_view channel);      // /meta/...
bool is_service(std::string_view channel);   // /service/...
bool is_pattern(std::string_view channel);   // ends in /* or /**
// Whether `pattern` (a channel or a wildcard pattern) covers `channel`.
bool channel_matches(std::string_view pattern, std::string_view channel);

}  // namespace parley::bayeux
