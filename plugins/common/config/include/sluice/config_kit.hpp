// One line per configuration key: its name, type, default, range or allowed values, doc,
// former names and the settings field it fills, written once. From that list a plugin gets
// the declarations it hands the worker (ABI), the parse of a `Config` into its settings
// struct, and its cross-key rules, run both by `sluice validate` (no I/O, every problem at its
// key) and at create (the first problem as a FatalError):
//
//     const config_kit::Spec<Settings>& spec() {
//         static const auto built = [] {
//             config_kit::Spec<Settings> k;
//             k.key("flush.size", &Settings::flush_size, "Records per object").default_value(10000).at_least(1);
//             k.choice("s3.compression.type", &Settings::compression, {{"none", Compression::none},
//                                                                       {"gzip", Compression::gzip}}, "...")
//                 .default_value(Compression::none);
//             k.rule("s3.compression.level", "only meaningful with s3.compression.type gzip",
//                    [](const Settings& s) { return s.compression == Compression::none && s.compression_level != -1; });
//             return k;
//         }();
//         return built;
//     }
//
// The field's C++ type gives the key's type: std::string (STRING), bool (BOOL), integers
// (INT), floating point (DOUBLE), std::chrono durations (INT, in the duration's own unit),
// std::vector<std::string> (LIST), std::vector<std::pair<std::string, std::string>> (MAP),
// std::optional of any of these (unset and no default: empty), enums through choice().
// Built on the SDK's ConfigKey and Config only: header-only, no state, no I/O.
#pragma once

#include <sluice/sdk.hpp>

#include <charconv>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sluice::config_kit {

namespace detail {

template <class T> struct is_duration : std::false_type {};
template <class R, class P> struct is_duration<std::chrono::duration<R, P>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct unwrap { using type = T; };
template <class T> struct unwrap<std::optional<T>> { using type = T; };

using StringList = std::vector<std::string>;
using StringMap = std::vector<std::pair<std::string, std::string>>;

// The declared type of a key that fills a field of type T.
template <class T>
constexpr sluice_config_type type_of() {
    if constexpr (std::is_same_v<T, std::string>) return SLUICE_CONFIG_STRING;
    else if constexpr (std::is_same_v<T, bool>) return SLUICE_CONFIG_BOOL;
    else if constexpr (std::is_integral_v<T> || is_duration<T>::value) return SLUICE_CONFIG_INT;
    else if constexpr (std::is_floating_point_v<T>) return SLUICE_CONFIG_DOUBLE;
    else if constexpr (std::is_same_v<T, StringList>) return SLUICE_CONFIG_LIST;
    else if constexpr (std::is_same_v<T, StringMap>) return SLUICE_CONFIG_MAP;
    else static_assert(sizeof(T) == 0, "config_kit: no key type for this field type (use choice() for enums)");
}

// The value of `key` as a T; the worker already checked it against the declaration.
template <class T>
T read(const Config& config, const std::string& key) {
    if constexpr (std::is_same_v<T, std::string>) return config.string(key);
    else if constexpr (std::is_same_v<T, bool>) return config.boolean(key);
    else if constexpr (is_duration<T>::value) return T(static_cast<typename T::rep>(config.integer(key)));
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(config.integer(key));
    else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(config.number(key));
    else if constexpr (std::is_same_v<T, StringList>) return config.list(key);
    else if constexpr (std::is_same_v<T, StringMap>) return config.map(key);
}

// A default written in C++ as the text the declaration carries.
template <class V>
std::string default_text(const V& value) {
    if constexpr (std::is_convertible_v<V, std::string_view>) return std::string(std::string_view(value));
    else if constexpr (std::is_same_v<V, bool>) return value ? "true" : "false";
    else if constexpr (is_duration<V>::value) return std::to_string(value.count());
    else if constexpr (std::is_integral_v<V>) return std::to_string(value);
    else if constexpr (std::is_floating_point_v<V>) {
        char buffer[64];
        auto res = std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(value));
        return std::string(buffer, res.ptr);
    } else static_assert(sizeof(V) == 0, "config_kit: unsupported default value type");
}

}  // namespace detail

template <class S>
class Spec;

// For rules on lists of names: one of them is empty.
inline bool any_empty(const std::vector<std::string>& items) {
    for (const auto& item : items)
        if (item.empty()) return true;
    return false;
}

// One key: its declaration and how it fills the settings. Built through Spec's key(),
// choice() and declare(); the setters chain and mirror ConfigKey's.
template <class S>
class Key {
public:
    Key& required() { flags_.required = true; return *this; }
    Key& secret() { flags_.secret = true; return *this; }
    Key& local_path() { flags_.local_path = true; return *this; }
    template <class V>
    Key& default_value(const V& value) {
        if constexpr (std::is_enum_v<V> || std::is_integral_v<V>) {
            // A choice's default is given as the value it maps to.
            if (!choices_.empty()) {
                for (const auto& [text, v] : choices_)
                    if (v == static_cast<long long>(value)) default_ = text;
                if (!default_) throw std::logic_error("config_kit: default of " + name_ + " is not one of its choices");
                return *this;
            }
        }
        if constexpr (std::is_enum_v<V>) throw std::logic_error("config_kit: " + name_ + " is not a choice() key");
        else default_ = detail::default_text(value);
        return *this;
    }
    Key& at_least(double min) { min_ = min; return *this; }
    Key& at_most(double max) { max_ = max; return *this; }
    Key& between(double min, double max) { return at_least(min).at_most(max); }
    Key& one_of(std::vector<std::string> allowed) { allowed_ = std::move(allowed); return *this; }
    // A former name, accepted for one release with a warning naming this one.
    Key& deprecated(std::string former) { aliases_.push_back(std::move(former)); return *this; }

    const std::string& name() const { return name_; }

    ConfigKey declaration() const {
        ConfigKey k = make();
        // ConfigKey's setters work on rvalues: each step moves into a fresh object.
        if (flags_.required) k = ConfigKey(std::move(k).required());
        if (flags_.secret) k = ConfigKey(std::move(k).secret());
        if (flags_.local_path) k = ConfigKey(std::move(k).local_path());
        if (default_) k = ConfigKey(std::move(k).default_value(*default_));
        if (min_) k = ConfigKey(std::move(k).at_least(*min_));
        if (max_) k = ConfigKey(std::move(k).at_most(*max_));
        if (!allowed_.empty()) k = ConfigKey(std::move(k).one_of(allowed_));
        for (const auto& a : aliases_) k.add_deprecated_alias(a);
        return k;
    }

private:
    template <class>
    friend class Spec;
    using Fill = std::function<void(S&, const Config&)>;
    Key(std::string name, sluice_config_type type, std::string doc, Fill fill)
        : name_(std::move(name)), type_(type), doc_(std::move(doc)), fill_(std::move(fill)) {}

    ConfigKey make() const {
        switch (type_) {
            case SLUICE_CONFIG_STRING: return ConfigKey::string(name_, doc_);
            case SLUICE_CONFIG_INT: return ConfigKey::integer(name_, doc_);
            case SLUICE_CONFIG_DOUBLE: return ConfigKey::number(name_, doc_);
            case SLUICE_CONFIG_BOOL: return ConfigKey::boolean(name_, doc_);
            case SLUICE_CONFIG_LIST: return ConfigKey::list(name_, doc_);
            case SLUICE_CONFIG_MAP: return ConfigKey::map(name_, doc_);
            default: return ConfigKey::json(name_, doc_);
        }
    }

    std::string name_;
    sluice_config_type type_;
    std::string doc_;
    Fill fill_;
    struct {
        bool required = false, secret = false, local_path = false;
    } flags_;
    std::optional<std::string> default_;
    std::optional<double> min_, max_;
    std::vector<std::string> allowed_;
    std::vector<std::string> aliases_;
    std::vector<std::pair<std::string, long long>> choices_;
};

// A plugin's whole configuration: the keys in declaration order, the steps that derive
// fields from several keys, and the cross-key rules.
template <class S>
class Spec {
public:
    // A key filling a member of S: `k.key("flush.size", &Settings::flush_size, "doc")`.
    template <class T>
    Key<S>& key(std::string name, T S::*field, std::string doc) {
        return bind<T>(std::move(name), std::move(doc), [field](S& s) -> T& { return s.*field; });
    }
    // A key filling a nested field: `k.key("url", [](S& s) -> auto& { return s.connection.url; }, "doc")`.
    template <class Get>
        requires(std::is_invocable_v<Get, S&> && !std::is_member_pointer_v<Get>)
    Key<S>& key(std::string name, Get get, std::string doc) {
        using T = std::remove_reference_t<std::invoke_result_t<Get, S&>>;
        return bind<T>(std::move(name), std::move(doc), std::move(get));
    }
    // A STRING key with allowed values, each mapped to a value of the field (an enum, usually).
    template <class T>
    Key<S>& choice(std::string name, T S::*field, std::vector<std::pair<std::string, T>> choices, std::string doc) {
        return choice_of(std::move(name), [field](S& s) -> T& { return s.*field; }, std::move(choices), std::move(doc));
    }
    template <class Get, class T = std::remove_reference_t<std::invoke_result_t<Get, S&>>>
        requires(!std::is_member_pointer_v<Get>)
    Key<S>& choice(std::string name, Get get, std::vector<std::pair<std::string, T>> choices, std::string doc) {
        return choice_of(std::move(name), std::move(get), std::move(choices), std::move(doc));
    }
    // A key whose value is parsed into its field by `fill` (a JSON document, a template...);
    // an exception it throws is a problem of this key.
    Key<S>& custom(std::string name, sluice_config_type type, std::string doc, std::function<void(S&, const Config&)> fill) {
        keys_.push_back(Key<S>(std::move(name), type, std::move(doc), std::move(fill)));
        return keys_.back();
    }
    // A key read by the plugin itself (a derive() step, or the plugin at run time).
    Key<S>& declare(std::string name, sluice_config_type type, std::string doc) {
        keys_.push_back(Key<S>(std::move(name), type, std::move(doc), nullptr));
        return keys_.back();
    }

    // A field computed from the filled settings and the configuration (several keys, a parse);
    // an exception it throws is a problem of `key`.
    Spec& derive(std::string key, std::function<void(S&, const Config&)> step) {
        steps_.push_back({std::move(key), std::move(step)});
        return *this;
    }
    // A rule across keys: `broken(settings)` true means `message`, placed at `key`.
    Spec& rule(std::string key, std::string message, std::function<bool(const S&)> broken) {
        return check(std::move(key), [message = std::move(message), broken = std::move(broken)](const S& s) {
            return broken(s) ? message : std::string();
        });
    }
    // A rule whose message depends on the values: `problem(settings)` returns "" when fine.
    Spec& check(std::string key, std::function<std::string(const S&)> problem) {
        rules_.push_back({std::move(key), std::move(problem)});
        return *this;
    }

    // Another spec's keys, steps and rules, filling the part of S that `part` returns
    // (shared groups: the AWS connection, the SQL connection...).
    template <class P, class Get>
        requires std::is_invocable_r_v<P&, Get, S&>
    Spec& include(const Spec<P>& other, Get part) {
        for (const auto& k : other.keys_) {
            Key<S> mine(k.name_, k.type_, k.doc_, nullptr);
            if (k.fill_) mine.fill_ = [fill = k.fill_, part](S& s, const Config& c) { fill(part(s), c); };
            mine.flags_.required = k.flags_.required;
            mine.flags_.secret = k.flags_.secret;
            mine.flags_.local_path = k.flags_.local_path;
            mine.default_ = k.default_;
            mine.min_ = k.min_;
            mine.max_ = k.max_;
            mine.allowed_ = k.allowed_;
            mine.aliases_ = k.aliases_;
            mine.choices_ = k.choices_;
            keys_.push_back(std::move(mine));
        }
        for (const auto& st : other.steps_)
            steps_.push_back({st.key, [step = st.step, part](S& s, const Config& c) { step(part(s), c); }});
        for (const auto& r : other.rules_)
            rules_.push_back({r.key, [problem = r.problem, part](const S& s) {
                                  return problem(part(const_cast<S&>(s)));
                              }});
        return *this;
    }

    // The key declared as `name`, to adjust a default or a doc in one plugin.
    Key<S>& at(std::string_view name) {
        for (auto& k : keys_)
            if (k.name_ == name) return k;
        throw std::logic_error("config_kit: no key " + std::string(name));
    }

    // The declarations for the ABI (config_keys()).
    std::vector<ConfigKey> keys() const {
        std::vector<ConfigKey> out;
        out.reserve(keys_.size());
        for (const auto& k : keys_) out.push_back(k.declaration());
        return out;
    }

    // The settings, every rule checked: throws FatalError with the first problem.
    S parse(const Config& config) const {
        S s{};
        fill(s, config, [](const std::string&, const std::string& message) { throw FatalError(message); });
        return s;
    }

    // Every problem at its key, nothing thrown (the plugin's validate()).
    void validate(const Config& config, ConfigProblems& problems) const {
        S s{};
        fill(s, config, [&](const std::string& key, const std::string& message) {
            problems.add(key, without_key_prefix(key, message));
        });
    }

    // The settings when valid, else nullopt with every problem reported.
    std::optional<S> parse_or_report(const Config& config, ConfigProblems& problems) const {
        const std::size_t before = problems.count();
        S s{};
        fill(s, config, [&](const std::string& key, const std::string& message) {
            problems.add(key, without_key_prefix(key, message));
        });
        if (problems.count() != before) return std::nullopt;
        return s;
    }

private:
    template <class>
    friend class Spec;
    struct Step {
        std::string key;
        std::function<void(S&, const Config&)> step;
    };
    struct Rule {
        std::string key;
        std::function<std::string(const S&)> problem;
    };

    template <class T, class Get>
    Key<S>& bind(std::string name, std::string doc, Get get) {
        using V = typename detail::unwrap<T>::type;
        typename Key<S>::Fill fill;
        if constexpr (detail::is_optional<T>::value) {
            fill = [get, name](S& s, const Config& c) {
                if (c.has(name)) get(s) = detail::read<V>(c, name);
            };
        } else if constexpr (std::is_same_v<V, detail::StringList> || std::is_same_v<V, detail::StringMap>) {
            fill = [get, name](S& s, const Config& c) { get(s) = detail::read<V>(c, name); };
        } else {
            // Unset without a default: the field keeps its initializer.
            fill = [get, name](S& s, const Config& c) {
                if (c.has(name)) get(s) = detail::read<V>(c, name);
            };
        }
        keys_.push_back(Key<S>(std::move(name), detail::type_of<V>(), std::move(doc), std::move(fill)));
        return keys_.back();
    }

    template <class Get, class T>
    Key<S>& choice_of(std::string name, Get get, std::vector<std::pair<std::string, T>> choices, std::string doc) {
        std::vector<std::string> allowed;
        for (const auto& c : choices) allowed.push_back(c.first);
        auto fill = [get, name, choices](S& s, const Config& c) {
            if (!c.has(name)) return;
            const std::string text = c.string(name);
            for (const auto& [t, v] : choices)
                if (t == text) { get(s) = v; return; }
            throw FatalError(name + ": '" + text + "' is not one of its values");
        };
        keys_.push_back(Key<S>(std::move(name), SLUICE_CONFIG_STRING, std::move(doc), std::move(fill)));
        auto& k = keys_.back();
        k.one_of(std::move(allowed));
        if constexpr (std::is_enum_v<T> || std::is_integral_v<T>)
            for (const auto& [t, v] : choices) k.choices_.emplace_back(t, static_cast<long long>(v));
        return k;
    }

    template <class Report>
    void fill(S& s, const Config& config, Report report) const {
        for (const auto& k : keys_) {
            if (!k.fill_) continue;
            try {
                check_range(k, config);
                k.fill_(s, config);
            } catch (const std::exception& e) {
                report(k.name_, e.what());
            }
        }
        for (const auto& st : steps_) {
            try {
                st.step(s, config);
            } catch (const std::exception& e) {
                report(st.key, e.what());
            }
        }
        for (const auto& r : rules_) {
            std::string problem;
            try {
                problem = r.problem(s);
            } catch (const std::exception& e) {
                problem = e.what();
            }
            if (!problem.empty()) report(r.key, problem);
        }
    }

    // The worker checks declared ranges already; checking again keeps a task safe from a
    // host that does not, with a message that names the key.
    static void check_range(const Key<S>& k, const Config& config) {
        if ((k.type_ != SLUICE_CONFIG_INT && k.type_ != SLUICE_CONFIG_DOUBLE) || (!k.min_ && !k.max_) || !config.has(k.name_))
            return;
        const double v = config.number(k.name_);
        if ((k.min_ && v < *k.min_) || (k.max_ && v > *k.max_)) {
            auto text = [](double d) {
                return d == static_cast<double>(static_cast<long long>(d)) ? std::to_string(static_cast<long long>(d))
                                                                           : detail::default_text(d);
            };
            const std::string expected = k.min_ && k.max_ ? "between " + text(*k.min_) + " and " + text(*k.max_)
                                         : k.min_        ? "at least " + text(*k.min_)
                                                         : "at most " + text(*k.max_);
            throw FatalError(k.name_ + " must be " + expected + ", got " + config.string(k.name_));
        }
    }

    // `sluice validate` prints the key before the message already.
    static std::string without_key_prefix(const std::string& key, const std::string& message) {
        if (message.size() > key.size() + 2 && message.compare(0, key.size(), key) == 0 &&
            message.compare(key.size(), 2, ": ") == 0)
            return message.substr(key.size() + 2);
        return message;
    }

    std::deque<Key<S>> keys_;
    std::vector<Step> steps_;
    std::vector<Rule> rules_;
};

}  // namespace sluice::config_kit
