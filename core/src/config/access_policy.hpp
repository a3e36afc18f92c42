// What a configuration may reach on the worker's machine, by where it came from. Pipeline
// files given on the command line are the operator's own: every ${file:} path, every
// ${env:} variable, every local path a plugin key names. A configuration sent over REST is
// anybody's who reaches the port: it may read files only under
// config.providers.file.allowed.paths, variables only in config.providers.env.allowed, and
// name local files (a file sink's path) only under rest.file.allowed.paths; all three are
// empty unless the worker file says otherwise.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::config {

struct AccessPolicy {
    bool restricted = false;
    std::string origin;                        // "configs sent over REST", for messages
    std::vector<std::string> file_dirs;        // absolute, normalized
    std::vector<std::string> env_names;
    std::vector<std::string> local_path_dirs;  // absolute, normalized
};

// Each returns why the reference is refused, or nullopt. They decide before touching the
// file system (lexically), then check where symbolic links lead, so a refusal never tells
// whether a file exists outside the allowed directories.
std::optional<std::string> file_reference_refused(const AccessPolicy* policy, const std::filesystem::path& path);
std::optional<std::string> env_reference_refused(const AccessPolicy* policy, const std::string& name);
std::optional<std::string> local_path_refused(const AccessPolicy* policy, const std::string& key, const std::string& value);

// Directories as written in the worker file: relative ones taken from its directory.
std::vector<std::string> absolute_dirs(const std::vector<std::string>& dirs, const std::string& base_dir);

}  // namespace sluice::config
