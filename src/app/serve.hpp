#pragma once
#include "app/config.hpp"

namespace parley::app {

// Runs the server until SIGTERM/SIGINT; returns the process exit code.
int serve(const Config& config);

// Wires the server as `serve` would and prints every route it registers ("GET /api/v2/me"),
// one per line, without listening. The OpenAPI document is checked against this list.
int print_routes(const Config& config);

}  // namespace parley::app
