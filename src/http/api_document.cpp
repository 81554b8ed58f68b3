#include "http/api_document.hpp"

namespace parley::http {

RouteList api_document_routes() {
  RouteList routes;
  routes.push_back({"GET", "/api/v2/openapi.json",
                    [](Request&) -> boost::asio::awaitable<Response> {
                      Response r;
                      r.body = std::string(openapi_document_json());
                      r.set_header("Cache-Control", "no-cache");
                      r.set_header("Access-Control-Allow-Origin", "*");
                      co_return r;
                    },
                    Access::Public});
  return routes;
}

}  // namespace parley::http
