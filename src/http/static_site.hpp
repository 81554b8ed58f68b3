#pragma once
// The web pages (`web/`): the landing page, the customer chat page and widget, the agent
// desktop and the supervisor console, plus the browser libraries they load (the official
// CometD client from `web/node_modules`). Served by Parley itself so nothing comes from a CDN.
#include <filesystem>
#include <map>
#include <string>

#include "common/route.hpp"

namespace parley::http {

class StaticSite {
 public:
  // Indexes the files under `root` once: only files present at start can be served, so no
  // request path can reach outside the site. Their bytes are read on each request, so an
  // edited page shows on reload.
  explicit StaticSite(std::filesystem::path root);

  bool empty() const { return files_.empty(); }
  std::size_t file_count() const { return files_.size(); }
  const std::filesystem::path& root() const { return root_; }

  // GET /, /chat, /agent, /supervisor, /docs and /web/*.
  RouteList routes() const;

  // The answer for one site path such as "css/parley.css" (404 when not in the index).
  Response serve(const std::string& site_path, const Request& request) const;

 private:
  std::filesystem::path root_;
  std::map<std::string, std::filesystem::path> files_;  // site path -> file on disk
};

// Where the pages are when no `web_root` is configured: `web/` beside the build directory
// (a source checkout), else the packaged location.
std::filesystem::path default_web_root();

}  // namespace parley::http
