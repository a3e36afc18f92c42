#include "config/interpolation.hpp"

#include <sluice/files.hpp>
#include "common/text.hpp"

#include <cstdlib>
#include <filesystem>

namespace sluice::config {
namespace {

// A properties file named by ${file:} is a small text file; anything else is refused.
constexpr size_t kMaxPropertiesFileBytes = 1024 * 1024;

std::optional<std::string> from_env(std::string_view spec, const AccessPolicy* policy, std::string& error) {
    std::string name(spec);
    std::optional<std::string> fallback;
    if (auto pos = spec.find(":-"); pos != std::string_view::npos) {
        name = std::string(spec.substr(0, pos));
        fallback = std::string(spec.substr(pos + 2));
    }
    if (name.empty()) {
        error = "empty variable name in ${env:}";
        return std::nullopt;
    }
    if (auto refused = env_reference_refused(policy, name)) {
        error = *refused;
        return std::nullopt;
    }
    const char* v = std::getenv(name.c_str());
    if (v != nullptr && (*v != '\0' || !fallback)) return std::string(v);
    if (fallback) return fallback;
    error = "environment variable " + name + " is not set";
    return std::nullopt;
}

std::optional<std::string> from_file(std::string_view spec, const std::string& base_dir, const AccessPolicy* policy,
                                     std::string& error) {
    auto colon = spec.rfind(':');
    if (colon == std::string_view::npos) {
        error = "expected ${file:PATH:KEY}";
        return std::nullopt;
    }
    std::filesystem::path path(std::string(spec.substr(0, colon)));
    std::string key(spec.substr(colon + 1));
    if (auto refused = file_reference_refused(policy, path)) {
        error = *refused;
        return std::nullopt;
    }
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    std::string why;
    auto content = files::read_regular_file(path.string(), kMaxPropertiesFileBytes, why);
    if (!content) {
        error = "cannot read " + path.string() + " for ${file:...}: " + why;
        return std::nullopt;
    }
    for (const auto& line : text::split(*content, '\n')) {
        auto t = text::trim(line);
        if (t.empty() || t.front() == '#' || t.front() == '!') continue;
        auto eq = t.find_first_of("=:");
        if (eq == std::string_view::npos) continue;
        if (text::trim(t.substr(0, eq)) == key) return std::string(text::trim(t.substr(eq + 1)));
    }
    error = "key " + key + " not found in " + path.string();
    return std::nullopt;
}

}  // namespace

std::optional<Interpolated> interpolate(const std::string& raw, const std::string& base_dir, const AccessPolicy* policy,
                                        std::string& error) {
    Interpolated out;
    size_t i = 0;
    while (i < raw.size()) {
        if (raw.compare(i, 3, "$${") == 0) {
            out.text += "${";
            i += 3;
            continue;
        }
        if (raw.compare(i, 2, "${") != 0) {
            out.text.push_back(raw[i++]);
            continue;
        }
        size_t close = raw.find('}', i + 2);
        if (close == std::string::npos) {
            error = "unterminated ${ in " + text::shown(raw);
            return std::nullopt;
        }
        std::string_view ref(raw.data() + i + 2, close - i - 2);
        auto colon = ref.find(':');
        std::string_view provider = ref.substr(0, colon);
        std::string_view spec = colon == std::string_view::npos ? std::string_view() : ref.substr(colon + 1);
        std::optional<std::string> value;
        if (provider == "env") value = from_env(spec, policy, error);
        else if (provider == "file") value = from_file(spec, base_dir, policy, error);
        else error = "unknown provider '" + std::string(provider) + "' in ${" + std::string(ref) + "} (known: env, file)";
        if (!value) return std::nullopt;
        // Configuration text is UTF-8; a binary file or variable is refused, without its bytes.
        if (text::invalid_utf8_at(*value)) {
            error = "the value from ${" + std::string(ref) + "} is not valid UTF-8 text";
            return std::nullopt;
        }
        out.text += *value;
        out.used_provider = true;
        i = close + 1;
    }
    return out;
}

}  // namespace sluice::config
