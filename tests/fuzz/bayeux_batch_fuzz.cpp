// Bayeux message batches from a client: each input is split on newlines into batches, fed in
// turn to one protocol engine as the server would (parse_batch, then process), with held
// connects completed, deliveries and expiry in between.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bayeux/engine.hpp"

namespace {
using namespace parley;
using namespace parley::bayeux;

struct NullWaiter : Waiter {
  void wake() override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ManualClock clock;
  EngineOptions options;
  options.max_queue_messages = 8;
  options.max_queue_bytes = 4096;
  options.max_sessions_per_user = 3;
  Engine engine(clock, options);
  const Identity who{"u1", true};
  auto waiter = std::make_shared<NullWaiter>();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const auto eol = input.find('\n');
    const std::string_view line = input.substr(0, eol);
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    auto batch = parse_batch(line);
    if (!batch) continue;
    auto out = engine.process(*batch, who, waiter);
    (void)engine.deliver("u1", "/v2/me/channels", make_message("/v2/me/channels", R"({"n":1})"));
    if (out.held) (void)engine.complete_connect(*out.held);
    clock.advance(3'000);
    (void)engine.expire_idle();
  }
  return 0;
}
