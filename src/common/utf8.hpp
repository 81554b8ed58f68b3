#pragma once
#include <string_view>

namespace parley {

// Well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace parley
