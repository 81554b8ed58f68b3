#include "store/store.hpp"

#include <future>

namespace parley::store {

std::error_code Store::submit_and_wait(Batch batch) {
  std::promise<std::error_code> result;
  auto future = result.get_future();
  submit(std::move(batch), [&result](std::error_code ec) { result.set_value(ec); });
  return future.get();
}

const std::error_category& store_category() {
  struct Category : std::error_category {
    const char* name() const noexcept override { return "parley.store"; }
    std::string message(int code) const override {
      switch (static_cast<StoreError>(code)) {
        case StoreError::Unavailable: return "the store cannot write";
        case StoreError::Stopped: return "the store is stopped";
      }
      return "store error";
    }
  };
  static const Category category;
  return category;
}

}  // namespace parley::store
