// The web console's files under /ui (rest.console.dir, default: the `console` directory
// next to the sluice binary). Front-end libraries are served from the directory's
// node_modules (installed by scripts/install-npm.sh), under /ui/vendor/<package>/ from each
// package's dist folder. Only regular files below the directory are served: no listing, no
// `..`, no symbolic link leading out.
#pragma once

#include "rest/http_server.hpp"

#include <optional>
#include <string>

namespace sluice::rest {

class ConsoleAssets {
public:
    explicit ConsoleAssets(std::string root);
    // The answer for a GET of /ui or below; nullopt when the path is not the console's.
    std::optional<HttpResponse> serve(const HttpRequest& request) const;
    const std::string& root() const { return root_; }

private:
    std::string root_;
};

// Where the console is by default: `console` beside the running binary.
std::string default_console_dir();

}  // namespace sluice::rest
