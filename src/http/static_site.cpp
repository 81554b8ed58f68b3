#include "http/static_site.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <system_error>

namespace parley::http {
namespace fs = std::filesystem;

namespace {

const char* content_type_for(const fs::path& file) {
  static const std::map<std::string, const char*> types = {
      {".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json; charset=utf-8"}, {".svg", "image/svg+xml"},
      {".png", "image/png"}, {".ico", "image/x-icon"}, {".txt", "text/plain; charset=utf-8"},
      {".yaml", "application/yaml; charset=utf-8"}, {".woff2", "font/woff2"},
  };
  auto it = types.find(file.extension().string());
  return it == types.end() ? nullptr : it->second;
}

// Browser libraries published under /web/vendor/<name>/: npm packages installed in
// `web/node_modules` by the set-up script. Only their script files are exposed.
const std::map<std::string, std::string>& vendored_packages() {
  static const std::map<std::string, std::string> packages = {{"cometd", "node_modules/cometd"},
                                                               {"swagger-ui", "node_modules/swagger-ui-dist"}};
  return packages;
}

void index_tree(const fs::path& dir, const std::string& prefix, bool code_only,
                std::map<std::string, fs::path>& out) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    const auto& entry = *it;
    const std::string name = entry.path().filename().string();
    if (entry.is_directory()) {
      // Dependencies are published only through vendored_packages(); dot-directories never.
      if (name == "node_modules" || name.starts_with(".")) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file() || name.starts_with(".")) continue;
    if (!content_type_for(entry.path())) continue;
    if (code_only && entry.path().extension() != ".js" && entry.path().extension() != ".css") continue;
    if (name == "package.json" || name == "package-lock.json") continue;
    out[prefix + fs::relative(entry.path(), dir).generic_string()] = entry.path();
  }
}

std::string etag_of(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  const auto time = fs::last_write_time(file, ec).time_since_epoch().count();
  std::ostringstream out;
  out << '"' << std::hex << size << '-' << time << '"';
  return out.str();
}

}  // namespace

StaticSite::StaticSite(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) {
    spdlog::warn("web pages: {} is not a directory; the pages are not served", root_.string());
    return;
  }
  index_tree(root_, "", false, files_);
  for (const auto& [name, dir] : vendored_packages()) {
    if (fs::is_directory(root_ / dir, ec)) {
      index_tree(root_ / dir, "vendor/" + name + "/", true, files_);
    } else {
      spdlog::warn("web pages: {} is missing (run scripts/setup.sh); pages that need it will not work",
                   (root_ / dir).string());
    }
  }
}

Response StaticSite::serve(const std::string& site_path, const Request& request) const {
  Response r;
  auto it = files_.find(site_path);
  std::string bytes;
  if (it != files_.end()) {
    std::ifstream in(it->second, std::ios::binary);
    if (in) bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) it = files_.end();
  }
  if (it == files_.end()) {
    r.status = 404;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Not found\n";
    return r;
  }
  const std::string etag = etag_of(it->second);
  // Pages are small and change with each release: let browsers cache but always revalidate.
  r.set_header("Cache-Control", "no-cache");
  r.set_header("ETag", etag);
  r.set_header("X-Content-Type-Options", "nosniff");
  if (site_path.ends_with(".html")) {
    r.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data: blob:; connect-src 'self' ws: wss:; "
                 // The CometD client runs its timers in a worker made from a blob: URL, so
                 // background tabs keep their connection alive.
                 "worker-src 'self' blob:; frame-ancestors 'none'; "
                 "base-uri 'none'; form-action 'self'");
    r.set_header("Referrer-Policy", "no-referrer");
  } else {
    // Scripts and styles may be loaded by the widget from any shop's site; module scripts
    // need CORS for that.
    r.set_header("Access-Control-Allow-Origin", "*");
  }
  if (auto match = request.header("If-None-Match"); match && *match == etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = content_type_for(it->second);
  r.body = std::move(bytes);
  return r;
}

RouteList StaticSite::routes() const {
  RouteList routes;
  auto page = [this](std::string url, std::string file) {
    return RouteSpec{"GET", std::move(url),
                     [this, file = std::move(file)](Request& request) -> boost::asio::awaitable<Response> {
                       co_return serve(file, request);
                     },
                     Access::Public};
  };
  routes.push_back(page("/", "index.html"));
  routes.push_back(page("/chat", "chat.html"));
  routes.push_back(page("/agent", "agent.html"));
  routes.push_back(page("/supervisor", "supervisor.html"));
  routes.push_back(page("/docs", "docs.html"));
  routes.push_back({"GET", "/web/*",
                    [this](Request& request) -> boost::asio::awaitable<Response> {
                      constexpr std::string_view prefix = "/web/";
                      std::string rest = request.path.size() > prefix.size() ? request.path.substr(prefix.size()) : "";
                      co_return serve(rest, request);
                    },
                    Access::Public});
  return routes;
}

fs::path default_web_root() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // build/parley and build-asan/parley in a checkout; bin/parley beside share/parley/web.
    for (const fs::path& candidate : {exe.parent_path().parent_path() / "web",
                                      exe.parent_path().parent_path() / "share" / "parley" / "web"}) {
      if (fs::exists(candidate / "index.html", ec)) return candidate;
    }
  }
  return "/usr/share/parley/web";
}

}  // namespace parley::http
