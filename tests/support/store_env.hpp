// The KEY=value lines a private store's start script writes to DIR/env
// (scripts/{s3,dynamodb,redis,clickhouse}-server.sh), and the one a ctest fixture names in
// an environment variable (nullopt when the variable is unset: the test runs outside ctest).
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>

namespace sluice::testing {

inline std::map<std::string, std::string> read_env_file(const std::string& path) {
    std::map<std::string, std::string> vars;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (auto eq = line.find('='); eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
    return vars;
}

inline std::optional<std::map<std::string, std::string>> fixture_env(const char* variable) {
    const char* path = std::getenv(variable);
    if (path == nullptr) return std::nullopt;
    return read_env_file(path);
}

}  // namespace sluice::testing
