#pragma once
// Counts a piece of work as in progress for as long as this object lives — also when the work
// ends by an exception — e.g. the requests a shutdown waits for.
#include <atomic>
#include <cstddef>

namespace parley {

class Counted {
 public:
  explicit Counted(std::atomic<std::size_t>& n) : n_(n) { ++n_; }
  ~Counted() { --n_; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;

 private:
  std::atomic<std::size_t>& n_;
};

}  // namespace parley
