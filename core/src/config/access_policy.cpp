#include "config/access_policy.hpp"

#include "common/text.hpp"

#include <algorithm>

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

bool inside(const fs::path& path, const std::string& dir) {
    const fs::path base = fs::path(dir).lexically_normal();
    auto rel = path.lexically_relative(base);
    return !rel.empty() && *rel.begin() != ".." && rel.is_relative();
}

bool inside_any(const fs::path& path, const std::vector<std::string>& dirs) {
    return std::any_of(dirs.begin(), dirs.end(), [&](const std::string& d) { return inside(path, d); });
}

// Where the path really leads: the deepest existing ancestor resolved through its links,
// and the rest as written. Nothing is created or read.
fs::path resolved(const fs::path& path) {
    std::error_code ec;
    fs::path out = fs::weakly_canonical(path, ec);
    return ec ? path : out;
}

std::string listed(const std::vector<std::string>& items) {
    return items.empty() ? std::string("empty: none is allowed") : "allowed: " + text::join(items, ", ");
}

std::optional<std::string> path_refused(const AccessPolicy& policy, const fs::path& given, const std::vector<std::string>& dirs,
                                        const std::string& setting, const std::string& what) {
    if (given.is_relative())
        return what + " " + text::shown(given.string()) + " must be an absolute path in " + policy.origin + ", under " + setting +
               " (" + listed(dirs) + ")";
    const fs::path path = given.lexically_normal();
    std::vector<std::string> real_dirs;
    for (const auto& d : dirs) real_dirs.push_back(resolved(d).string());
    if (inside_any(path, dirs) && inside_any(resolved(path), real_dirs)) return std::nullopt;
    return what + " " + text::shown(given.string(), 200) + " is refused in " + policy.origin + ": it is not under " + setting +
           " (" + listed(dirs) + "; the worker file sets it)";
}

}  // namespace

std::optional<std::string> file_reference_refused(const AccessPolicy* policy, const fs::path& path) {
    if (policy == nullptr || !policy->restricted) return std::nullopt;
    return path_refused(*policy, path, policy->file_dirs, "config.providers.file.allowed.paths", "${file:} path");
}

std::optional<std::string> env_reference_refused(const AccessPolicy* policy, const std::string& name) {
    if (policy == nullptr || !policy->restricted) return std::nullopt;
    if (std::find(policy->env_names.begin(), policy->env_names.end(), name) != policy->env_names.end()) return std::nullopt;
    return "${env:" + name + "} is refused in " + policy->origin + ": the variable is not in config.providers.env.allowed (" +
           listed(policy->env_names) + "; the worker file sets it)";
}

std::optional<std::string> local_path_refused(const AccessPolicy* policy, const std::string& key, const std::string& value) {
    if (policy == nullptr || !policy->restricted || value.empty()) return std::nullopt;
    return path_refused(*policy, fs::path(value), policy->local_path_dirs, "rest.file.allowed.paths", key);
}

std::vector<std::string> absolute_dirs(const std::vector<std::string>& dirs, const std::string& base_dir) {
    std::vector<std::string> out;
    for (const auto& d : dirs) {
        fs::path p(d);
        if (p.is_relative()) p = fs::absolute(fs::path(base_dir.empty() ? "." : base_dir) / p);
        out.push_back(p.lexically_normal().string());
    }
    return out;
}

}  // namespace sluice::config
