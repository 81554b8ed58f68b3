#pragma once
// `parley migrate`: brings a PostgreSQL store's schema up to this version (serve does the
// same at start; this lets an operator do it first, once, with their own credentials).
#include <string>

namespace parley::app {

int run_migrate(const std::string& store_url);

}  // namespace parley::app
