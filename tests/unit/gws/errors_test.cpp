#include "gws/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace parley::gws {
namespace {

TEST(ErrorTable, MapsEveryKindAsPlatformSays) {
  struct Row {
    ErrorKind kind;
    int code;
    unsigned http;
  };
  const Row rows[] = {
      {ErrorKind::MissingParameter, 1, 400}, {ErrorKind::InvalidState, 2, 409},
      {ErrorKind::CsrfRejected, 3, 403},     {ErrorKind::TooManyRequests, 3, 429},
      {ErrorKind::Internal, 4, 500},         {ErrorKind::StoreUnavailable, 4, 503},
      {ErrorKind::Forbidden, 5, 403},        {ErrorKind::NotFound, 6, 404},
      {ErrorKind::InvalidValue, 10, 400},    {ErrorKind::BodyTooLarge, 10, 413},
      {ErrorKind::MethodNotAllowed, 10, 405}, {ErrorKind::UriTooLong, 10, 414},
      {ErrorKind::HeadersTooLarge, 10, 431}, {ErrorKind::AlreadyExists, 18, 409},
      {ErrorKind::InUse, 19, 409},           {ErrorKind::NotAuthenticated, 20, 401},
  };
  for (const auto& row : rows) {
    auto codes = codes_for(row.kind);
    EXPECT_EQ(codes.status_code, row.code) << static_cast<int>(row.kind);
    EXPECT_EQ(codes.http_status, row.http) << static_cast<int>(row.kind);
  }
}

TEST(ErrorTable, ErrorBodyHasStatusCodeAndMessage) {
  auto r = error_response(make_error(ErrorKind::NotAuthenticated, "Access denied"));
  EXPECT_EQ(r.status, 401u);
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("statusCode").as_int64(), 20);
  EXPECT_EQ(body.at("statusMessage").as_string(), "Access denied");
  EXPECT_EQ(body.size(), 2u);
}

TEST(ErrorTable, MessageIsEscapedJson) {
  auto r = error_response(make_error(ErrorKind::InvalidValue, "bad \"quote\"\n"));
  EXPECT_EQ(boost::json::parse(r.body).at("statusMessage").as_string(), "bad \"quote\"\n");
}

}  // namespace
}  // namespace parley::gws
