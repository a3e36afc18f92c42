#include "rest/console_assets.hpp"

#include "rest/router.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace sluice::rest {

namespace fs = std::filesystem;

namespace {
std::string content_type(const fs::path& p) {
    static const std::map<std::string, std::string> types = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},         {".svg", "image/svg+xml"},                 {".png", "image/png"},
        {".ico", "image/x-icon"},              {".map", "application/json"}};
    auto it = types.find(p.extension().string());
    return it == types.end() ? "application/octet-stream" : it->second;
}
}  // namespace

std::string default_console_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return "console";
    return (exe.parent_path() / "console").string();
}

ConsoleAssets::ConsoleAssets(std::string root) : root_(std::move(root)) {}

std::optional<HttpResponse> ConsoleAssets::serve(const HttpRequest& request) const {
    if (request.path != "/ui" && request.path.rfind("/ui/", 0) != 0) return std::nullopt;
    if (request.method != "GET" && request.method != "HEAD") {
        auto r = error_response(405, "the console's files are read-only");
        r.headers.emplace_back("Allow", "GET, HEAD");
        return r;
    }
    if (request.path == "/ui") {
        HttpResponse r{302, "text/plain", "", {{"Location", "/ui/"}}};
        return r;
    }
    std::string relative;
    if (!percent_decode(request.path.substr(4), relative, false)) return error_response(400, "malformed path");
    if (relative.empty()) relative = "index.html";
    fs::path file;
    if (relative.rfind("vendor/", 0) == 0) {
        // vendor/<package>/<file> -> node_modules/<package>/dist/<file>
        auto slash = relative.find('/', 7);
        if (slash == std::string::npos) return error_response(404, "not found");
        file = fs::path(root_) / "node_modules" / relative.substr(7, slash - 7) / "dist" / relative.substr(slash + 1);
    } else {
        file = fs::path(root_) / relative;
    }
    std::error_code ec;
    const fs::path base = fs::weakly_canonical(root_, ec);
    const fs::path real = fs::weakly_canonical(file, ec);
    auto mismatch = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
    if (ec || mismatch.first != base.end() || !fs::is_regular_file(real, ec))
        return error_response(404, "no console file " + relative + (fs::exists(root_) ? "" : " (rest.console.dir " + root_ + " does not exist)"));
    std::ifstream in(real, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    HttpResponse r;
    r.content_type = content_type(real);
    r.body = request.method == "HEAD" ? "" : body.str();
    r.headers = {{"Cache-Control", "no-cache"}, {"X-Content-Type-Options", "nosniff"},
                 {"Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'"}};
    return r;
}

}  // namespace sluice::rest
