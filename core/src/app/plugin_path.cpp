#include "app/plugin_path.hpp"

#include "common/text.hpp"

#include <cstdlib>
#include <filesystem>

namespace sluice::app {

namespace fs = std::filesystem;

std::vector<std::string> plugin_path(const std::vector<std::string>& cli_dirs, const config::WorkerConfig& worker) {
    if (!cli_dirs.empty()) return cli_dirs;
    if (!worker.plugin_path.empty()) return worker.plugin_path;
    if (const char* env = std::getenv("SLUICE_PLUGIN_PATH"); env != nullptr && *env != '\0') {
        std::vector<std::string> dirs;
        for (auto& d : text::split(env, ':'))
            if (!d.empty()) dirs.push_back(d);
        return dirs;
    }
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    fs::path bin = ec ? fs::current_path() : exe.parent_path();
    for (const fs::path& candidate : {bin / ".." / "plugins", bin / ".." / "lib" / "sluice" / "plugins", bin / "plugins"})
        if (fs::is_directory(candidate, ec)) return {fs::weakly_canonical(candidate).string()};
    return {(bin / ".." / "plugins").lexically_normal().string()};
}

}  // namespace sluice::app
