// The configuration file: any text as parley.toml, then resolved over the defaults as
// `parley serve --config` does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto values = parley::app::read_config_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml");
  if (!values) return 0;
  (void)parley::app::resolve_config(*values, {}, {});
  return 0;
}
