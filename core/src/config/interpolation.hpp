// ${provider:...} references in configuration values, resolved when a file is loaded:
//   ${env:NAME}          the environment variable NAME (error when unset)
//   ${env:NAME:-text}    NAME, or text when NAME is unset or empty
//   ${file:PATH:KEY}     KEY from a Java-style properties file (KEY=VALUE lines)
//   $${...}              a literal ${...}
// A value that used a provider is shown masked: it may well be a credential. What a
// reference may read depends on where the configuration came from (AccessPolicy).
#pragma once

#include "config/access_policy.hpp"

#include <optional>
#include <string>

namespace sluice::config {

struct Interpolated {
    std::string text;
    bool used_provider = false;
};

// Returns the resolved text, or the error message (which never holds a resolved value).
// Relative file paths are taken from base_dir (the directory of the file being loaded).
// `policy` null: unrestricted (the operator's own files).
std::optional<Interpolated> interpolate(const std::string& raw, const std::string& base_dir, const AccessPolicy* policy,
                                        std::string& error);

}  // namespace sluice::config
