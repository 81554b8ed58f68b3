#include "gws/errors.hpp"

#include <boost/json.hpp>

namespace parley::gws {

ErrorCodes codes_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::MissingParameter: return {1, 400};
    case ErrorKind::InvalidState: return {2, 409};
    case ErrorKind::CsrfRejected: return {3, 403};
    case ErrorKind::TooManyRequests: return {3, 429};
    case ErrorKind::Internal: return {4, 500};
    case ErrorKind::StoreUnavailable: return {4, 503};
    case ErrorKind::Forbidden: return {5, 403};
    case ErrorKind::NotFound: return {6, 404};
    case ErrorKind::InvalidValue: return {10, 400};
    case ErrorKind::BodyTooLarge: return {10, 413};
    case ErrorKind::MethodNotAllowed: return {10, 405};
    case ErrorKind::UriTooLong: return {10, 414};
    case ErrorKind::HeadersTooLarge: return {10, 431};
    case ErrorKind::UnsupportedMediaType: return {10, 415};
    case ErrorKind::AlreadyExists: return {18, 409};
    case ErrorKind::InUse: return {19, 409};
    case ErrorKind::NotAuthenticated: return {20, 401};
  }
  return {4, 500};
}

Response error_response(const Error& error) {
  const auto codes = codes_for(error.kind);
  Response r;
  r.status = codes.http_status;
  r.body = boost::json::serialize(
      boost::json::object{{"statusCode", codes.status_code}, {"statusMessage", error.message}});
  return r;
}

Response ok_response() {
  Response r;
  r.body = R"({"statusCode":0})";
  return r;
}


Response json_response(const boost::json::object& body, unsigned status) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}
}  // namespace parley::gws
