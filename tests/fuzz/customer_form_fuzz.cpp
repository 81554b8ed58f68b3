// Customer API bodies: the first byte picks the Content-Type (form, JSON, multipart with a
// fixed boundary, an unsupported type); the rest is the body, read as the server reads it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "customer/form.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* types[] = {"application/x-www-form-urlencoded", "application/json; charset=utf-8",
                                "multipart/form-data; boundary=XyZ", "multipart/form-data", "text/plain", ""};
  parley::Request req;
  req.method = "POST";
  req.path = "/genesys/2/chat/customer-support";
  const char* type = types[data[0] % (sizeof types / sizeof *types)];
  if (*type) req.headers.emplace_back("Content-Type", type);
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)parley::customer::unsupported_media_type(req);
  auto form = parley::customer::parse_form(req);
  if (!form) return 0;
  (void)form->get("nickname");
  (void)form->get("transcriptPosition");
  (void)form->user_data();
  return 0;
}
