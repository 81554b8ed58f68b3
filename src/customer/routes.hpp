#pragma once
// The customer API (GMS Chat API v2, customer.md): REST polling routes and the errors in
// the customer API's own shape.
#include "common/route.hpp"
#include "gws/context.hpp"

namespace parley::customer {

struct FileLimits {
  std::int64_t max_file_size = 2 * 1024 * 1024;
  std::int64_t max_total_size = 5 * 1024 * 1024;
  int max_files = 3;
  std::string types = "bmp;gif;jpeg;jpg;png;pdf;txt;csv;doc;docx;xls;xlsx";
};

RouteList customer_routes(gws::ApiContext& ctx, const FileLimits& limits);

// {"statusCode":2,"errors":[{"code":N,"message":"..."}]} with its HTTP status.
Response customer_error(unsigned http, int code, const std::string& message);

}  // namespace parley::customer
