#pragma once
// The one table from kinds of error to GWS statusCode and HTTP status (platform.md, Errors),
// and the JSON answers built on it.
#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "common/web.hpp"

namespace parley::gws {

struct ErrorCodes {
  int status_code;  // GWS statusCode in the body
  unsigned http_status;
};

ErrorCodes codes_for(ErrorKind kind);

// {"statusCode":N,"statusMessage":"..."} with the right HTTP status.
Response error_response(const Error& error);
// {"statusCode":0}
Response ok_response();
// Any JSON object as the body.
Response json_response(const boost::json::object& body, unsigned status = 200);

}  // namespace parley::gws
