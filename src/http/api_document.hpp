#pragma once
// GET /api/v2/openapi.json: the OpenAPI document of every route (docs/openapi.yaml, compiled
// into the binary at build time), for integrators' tools and the /docs reference page.
#include <string_view>

#include "common/route.hpp"

namespace parley {
std::string_view openapi_document_json();  // generated from docs/openapi.yaml
}

namespace parley::http {
RouteList api_document_routes();
}
