// sluice/sdk/config.hpp: what a plugin declares about its configuration (ConfigKey), the
// validated values it is created with (Config), and where its no-I/O validate() reports
// cross-key problems (ConfigProblems, ABI 1.2).
#pragma once

#include <sluice/abi.h>
#include <sluice/sdk/errors.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace sluice {

// One declared configuration key, built fluently:
//     ConfigKey::integer("rate", "Records per second").default_value("1000").at_least(0)
class ConfigKey {
public:
    static ConfigKey string(std::string name, std::string doc) { return {std::move(name), SLUICE_CONFIG_STRING, std::move(doc)}; }
    static ConfigKey integer(std::string name, std::string doc) { return {std::move(name), SLUICE_CONFIG_INT, std::move(doc)}; }
    static ConfigKey number(std::string name, std::string doc) { return {std::move(name), SLUICE_CONFIG_DOUBLE, std::move(doc)}; }
    static ConfigKey boolean(std::string name, std::string doc) { return {std::move(name), SLUICE_CONFIG_BOOL, std::move(doc)}; }
    static ConfigKey list(std::string name, std::string doc) { return {std::move(name), SLUICE_CONFIG_LIST, std::move(doc)}; }
    static ConfigKey map(std::string name, std::string doc) { return {std::move(name), SLUICE_CONFIG_MAP, std::move(doc)}; }
    static ConfigKey json(std::string name, std::string doc) { return {std::move(name), SLUICE_CONFIG_JSON, std::move(doc)}; }

    ConfigKey&& required() && { flags_ |= SLUICE_CONFIG_REQUIRED; return std::move(*this); }
    ConfigKey&& secret() && { flags_ |= SLUICE_CONFIG_SECRET; return std::move(*this); }
    // The value names a local file or directory (see SLUICE_CONFIG_LOCAL_PATH).
    ConfigKey&& local_path() && { flags_ |= SLUICE_CONFIG_LOCAL_PATH; return std::move(*this); }
    ConfigKey&& default_value(std::string value) && { default_ = std::move(value); return std::move(*this); }
    ConfigKey&& at_least(double min) && { flags_ |= SLUICE_CONFIG_HAS_MIN; min_ = min; return std::move(*this); }
    ConfigKey&& at_most(double max) && { flags_ |= SLUICE_CONFIG_HAS_MAX; max_ = max; return std::move(*this); }
    ConfigKey&& between(double min, double max) && { return std::move(*this).at_least(min).at_most(max); }
    ConfigKey&& one_of(std::vector<std::string> allowed) && { allowed_ = std::move(allowed); return std::move(*this); }
    // A former name of the key: still accepted, with a warning naming this one.
    ConfigKey&& deprecated_alias(std::string former) && { aliases_.push_back(std::move(former)); return std::move(*this); }
    void add_deprecated_alias(std::string former) { aliases_.push_back(std::move(former)); }
    const std::string& name() const { return name_; }

    // The C view; valid while this object lives and is not modified.
    const sluice_config_def* def() {
        allowed_ptrs_.clear();
        for (const auto& a : allowed_) allowed_ptrs_.push_back(a.c_str());
        def_ = sluice_config_def{};
        def_.struct_size = sizeof(sluice_config_def);
        def_.name = name_.c_str();
        def_.type = type_;
        def_.flags = flags_;
        def_.doc = doc_.c_str();
        def_.default_value = default_ ? default_->c_str() : nullptr;
        def_.min_value = min_;
        def_.max_value = max_;
        def_.allowed = allowed_ptrs_.empty() ? nullptr : allowed_ptrs_.data();
        def_.allowed_count = allowed_ptrs_.size();
        alias_ptrs_.clear();
        for (const auto& a : aliases_) alias_ptrs_.push_back(a.c_str());
        def_.deprecated_aliases = alias_ptrs_.empty() ? nullptr : alias_ptrs_.data();
        def_.deprecated_alias_count = alias_ptrs_.size();
        return &def_;
    }

private:
    ConfigKey(std::string name, sluice_config_type type, std::string doc)
        : name_(std::move(name)), doc_(std::move(doc)), type_(type) {}
    std::string name_;
    std::string doc_;
    sluice_config_type type_;
    std::uint32_t flags_ = 0;
    std::optional<std::string> default_;
    double min_ = 0;
    double max_ = 0;
    std::vector<std::string> allowed_;
    std::vector<const char*> allowed_ptrs_;
    std::vector<std::string> aliases_;
    std::vector<const char*> alias_ptrs_;
    sluice_config_def def_{};
};

// Kafka Connect's dotted lower-case names for keys that had others: each pair is {current
// name, former name}; the former keeps working for one release, with a warning. A pair whose
// current name is not declared is a programming error, caught by the plugin's tests.
struct FormerKeyName {
    const char* name;
    const char* former;
};
inline std::vector<ConfigKey> with_former_names(std::vector<ConfigKey> keys, std::initializer_list<FormerKeyName> renames) {
    for (const auto& r : renames) {
        auto it = std::find_if(keys.begin(), keys.end(), [&](const ConfigKey& k) { return k.name() == r.name; });
        if (it == keys.end()) throw std::logic_error(std::string("with_former_names: no key ") + r.name);
        it->add_deprecated_alias(r.former);
    }
    return keys;
}

// The validated configuration of one task. Values are already checked against the
// declaration (type, range, allowed values) and defaults are applied by the worker.
class Config {
public:
    explicit Config(const sluice_config* config) : config_(config) {}

    bool has(std::string_view key) const {
        const auto* v = find(key);
        return v != nullptr && v->text != nullptr;
    }
    std::string string(std::string_view key) const { return std::string(text(key)); }
    std::string string_or(std::string_view key, std::string_view fallback) const {
        return has(key) ? string(key) : std::string(fallback);
    }
    std::int64_t integer(std::string_view key) const {
        auto t = text(key);
        std::int64_t value = 0;
        auto res = std::from_chars(t.data(), t.data() + t.size(), value);
        if (res.ec != std::errc() || res.ptr != t.data() + t.size())
            throw FatalError("config key '" + std::string(key) + "' is not an integer: " + std::string(t));
        return value;
    }
    double number(std::string_view key) const {
        auto t = std::string(text(key));
        try {
            std::size_t used = 0;
            double value = std::stod(t, &used);
            if (used == t.size()) return value;
        } catch (const std::exception&) {
        }
        throw FatalError("config key '" + std::string(key) + "' is not a number: " + t);
    }
    bool boolean(std::string_view key) const { return text(key) == "true"; }
    std::vector<std::string> list(std::string_view key) const {
        const auto* v = find(key);
        std::vector<std::string> out;
        if (v == nullptr) return out;
        for (std::size_t i = 0; i < v->item_count; ++i) out.emplace_back(v->items[i]);
        return out;
    }
    std::vector<std::pair<std::string, std::string>> map(std::string_view key) const {
        const auto* v = find(key);
        std::vector<std::pair<std::string, std::string>> out;
        if (v == nullptr) return out;
        for (std::size_t i = 0; i + 1 < v->item_count; i += 2) out.emplace_back(v->items[i], v->items[i + 1]);
        return out;
    }
    std::string json(std::string_view key) const {
        const auto* v = find(key);
        return v != nullptr && v->json != nullptr ? std::string(v->json) : std::string("null");
    }

private:
    const sluice_config_value* find(std::string_view key) const {
        if (config_ == nullptr) return nullptr;
        for (std::size_t i = 0; i < config_->count; ++i)
            if (config_->values[i] != nullptr && key == config_->values[i]->key) return config_->values[i];
        return nullptr;
    }
    std::string_view text(std::string_view key) const {
        const auto* v = find(key);
        if (v == nullptr || v->text == nullptr)
            throw FatalError("config key '" + std::string(key) + "' is not set");
        return v->text;
    }
    const sluice_config* config_;
};

// Where a plugin's validate() puts what it finds wrong with a configuration (ABI 1.2):
//     static void validate(const sluice::Config& config, sluice::ConfigProblems& problems) {
//         if (config.boolean("exactly.once") && !config.has("key.fields"))
//             problems.add("exactly.once", "needs key.fields: the columns that identify a row");
//     }
// No network, no waiting: it runs for `sluice validate` and before a connector is created.
class ConfigProblems {
public:
    explicit ConfigProblems(const sluice_config_problems* sink) : sink_(sink) {}
    // `key` at fault, or "" for the configuration as a whole.
    void add(std::string_view key, std::string_view message) {
        ++count_;
        if (sink_ == nullptr || sink_->report == nullptr) return;
        const std::string k(key), m(message);
        sink_->report(sink_->opaque, k.empty() ? nullptr : k.c_str(), m.c_str());
    }
    std::size_t count() const { return count_; }

private:
    const sluice_config_problems* sink_;
    std::size_t count_ = 0;
};

}  // namespace sluice
