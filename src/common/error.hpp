#pragma once
// The kinds of failure every layer reports. One table (http/error_table.cpp) maps each kind
// to the GWS statusCode and HTTP status, so no handler picks numbers by hand.
#include <string>
#include <utility>
#include <variant>

namespace parley {

enum class ErrorKind {
  MissingParameter,    // statusCode 1
  InvalidState,        // statusCode 2: not valid now / not in capabilities
  CsrfRejected,        // statusCode 3, 403
  TooManyRequests,     // statusCode 3, 429 (+ Retry-After)
  Internal,            // statusCode 4, 500
  StoreUnavailable,    // statusCode 4, 503
  Forbidden,           // statusCode 5: missing role, permission or feature
  NotFound,            // statusCode 6
  InvalidValue,        // statusCode 10, 400
  BodyTooLarge,        // statusCode 10, 413
  MethodNotAllowed,    // statusCode 10, 405
  UriTooLong,          // statusCode 10, 414
  HeadersTooLarge,     // statusCode 10, 431
  UnsupportedMediaType,  // statusCode 10, 415
  AlreadyExists,       // statusCode 18
  InUse,               // statusCode 19
  NotAuthenticated,    // statusCode 20
};

struct Error {
  ErrorKind kind;
  std::string message;
};

// A value or an error; small stand-in for C++23 std::expected.
template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(Error error) : v_(std::move(error)) {}
  explicit operator bool() const { return v_.index() == 0; }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Expected<Ok>;

inline Error make_error(ErrorKind kind, std::string message) { return Error{kind, std::move(message)}; }

}  // namespace parley
