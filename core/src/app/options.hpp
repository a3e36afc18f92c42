// The command line: `sluice <command> [options] [PIPELINE.yaml...]`.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sluice::app {

enum class Command { run, validate, check, plugins, help, version };

struct Options {
    Command command = Command::help;
    std::optional<std::string> worker_file;
    std::vector<std::string> plugin_dirs;  // --plugin-dir, repeatable, colon-separated lists allowed
    std::optional<std::string> log_level;
    std::optional<std::string> rest_port_file;  // run: write the bound REST port there
    bool json = false;
    bool markdown = false;
    std::vector<std::string> pipelines;
};

// Exit codes, documented in --help.
enum Exit : int {
    kOk = 0,
    kInvalidConfig = 1,
    kUsage = 2,
    kPreflightFailed = 3,
    kRuntimeFailure = 4,
};

// nullopt (and error set) on a usage error.
std::optional<Options> parse_options(const std::vector<std::string>& args, std::string& error);
std::string help_text();

}  // namespace sluice::app
