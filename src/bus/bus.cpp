#include "bus/bus.hpp"

namespace parley::bus {

const std::error_category& bus_category() {
  struct Category : std::error_category {
    const char* name() const noexcept override { return "parley.bus"; }
    std::string message(int code) const override {
      switch (static_cast<BusError>(code)) {
        case BusError::NoResponders: return "no node serves this request";
        case BusError::Timeout: return "no answer in time";
        case BusError::Unavailable: return "the bus is unavailable";
      }
      return "bus error";
    }
  };
  static const Category category;
  return category;
}

}  // namespace parley::bus
