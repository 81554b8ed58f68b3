#pragma once
#include "app/config.hpp"

namespace parley::app {

// Runs the server until SIGTERM/SIGINT; returns the process exit code.
int serve(const Config& config);

}  // namespace parley::app
