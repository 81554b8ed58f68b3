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

// A copy of the chat without its log: the log goes to the store item by item.
chat::Chat header_of(const chat::Chat& c) {
  chat::Chat h;
  h.id = c.id;
  h.service = c.service;
  h.queue = c.queue;
  h.subject = c.subject;
  h.received_ms = c.received_ms;
  h.queued_ms = c.queued_ms;
  h.phase = c.phase;
  h.participants = c.participants;
  h.counts = c.counts;
  h.user_data = c.user_data;
  h.customer = c.customer;
  h.rejected_by = c.rejected_by;
  h.files = c.files;
  return h;
}

}  // namespace parley::store
