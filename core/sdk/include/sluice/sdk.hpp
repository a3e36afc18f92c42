// sluice/sdk.hpp: header-only C++20 SDK over sluice/abi.h.
//
// A plugin author writes a class and one export macro:
//
//     class MySource : public sluice::Source {
//     public:
//         static std::vector<sluice::ConfigKey> config_keys();
//         MySource(const sluice::Config& config, sluice::TaskContext& context);
//         void poll(sluice::RecordWriter& out, std::chrono::milliseconds timeout) override;
//     };
//     SLUICE_SOURCE(MySource, "my_source", "1.0.0", "What it reads")
//
// Transforms and predicates (ABI 1.1) follow the same pattern:
//
//     class MyTransform : public sluice::Transform {
//     public:
//         MyTransform(const sluice::Config& config, sluice::TaskContext& context);
//         bool apply(sluice::TransformRecord& record) override;  // false: drop the record
//     };
//     SLUICE_TRANSFORM(MyTransform, "my_transform", "1.0.0", "What it changes")
//     SLUICE_PREDICATE(MyPredicate, "my_predicate", "1.0.0", "What it tests")  // sluice::Predicate
//
// Optional static members: `static void test(const Config&, TaskContext&)` (pre-flight
// check) and `static constexpr int max_tasks = N`. Exceptions never leave the plugin: the
// SDK turns RetriableError into SLUICE_RETRY, FatalError into SLUICE_FATAL, RecordError
// into SLUICE_ERROR naming the record, and anything else into SLUICE_ERROR.
//
// Build with -fvisibility=hidden -fvisibility-inlines-hidden (sluice_add_plugin() does):
// the macros then export sluice_plugin_manifest and nothing of the plugin's own. No dependency beyond the C++ standard library.
#pragma once

#include <sluice/abi.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#define SLUICE_SDK_VERSION "1.1.0"

namespace sluice {

// ---- errors a plugin throws ----------------------------------------------------------

// Transient trouble (upstream down, rate limited): the worker backs off and calls again.
class RetriableError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The task cannot go on (bad configuration, lost state): the task is marked FAILED.
class FatalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One record of the batch is at fault; the connector's error policy decides its fate.
class RecordError : public std::runtime_error {
public:
    RecordError(std::size_t index, const std::string& message)
        : std::runtime_error(message), index_(index) {}
    std::size_t index() const noexcept { return index_; }

private:
    std::size_t index_;
};

enum class LogLevel : sluice_log_level {
    trace = SLUICE_LOG_TRACE,
    debug = SLUICE_LOG_DEBUG,
    info = SLUICE_LOG_INFO,
    warn = SLUICE_LOG_WARN,
    error = SLUICE_LOG_ERROR,
};

// ---- JSON helpers (offsets and partitions are small flat JSON objects) -----------------

// ---- UTF-8: JSON text must be UTF-8, record bytes need not be ---------------------------

namespace utf8 {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
inline std::size_t sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const auto continuation = [&](std::size_t k) { return k < text.size() && (byte(k) & 0xC0) == 0x80; };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return continuation(i + 1) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (!continuation(i + 1) || !continuation(i + 2)) return 0;
        if (lead == 0xE0 && byte(i + 1) < 0xA0) return 0;  // overlong
        if (lead == 0xED && byte(i + 1) > 0x9F) return 0;  // UTF-16 surrogate
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return 0;
        if (lead == 0xF0 && byte(i + 1) < 0x90) return 0;  // overlong
        if (lead == 0xF4 && byte(i + 1) > 0x8F) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

inline bool is_valid(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = sequence_length(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

// Appends `text`, reading every byte that is not part of a valid UTF-8 sequence as
// Latin-1 (common in open-data exports), so the result is always valid UTF-8.
inline void append_repaired(std::string& out, std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = sequence_length(text, i);
        if (n > 0) {
            out.append(text.substr(i, n));
            i += n;
            continue;
        }
        const auto latin1 = static_cast<unsigned char>(text[i++]);
        out.push_back(static_cast<char>(0xC0 | (latin1 >> 6)));
        out.push_back(static_cast<char>(0x80 | (latin1 & 0x3F)));
    }
}

inline std::string repair(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    append_repaired(out, text);
    return out;
}

}  // namespace utf8

// ---- JSON helpers (offsets and partitions are small flat JSON objects) -----------------

namespace json {

// Appends `text` as a JSON string. Always valid JSON: control characters are escaped and
// bytes that are not valid UTF-8 are read as Latin-1 (see utf8::append_repaired).
inline void append_quoted(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            std::size_t n = utf8::sequence_length(text, i);
            utf8::append_repaired(out, text.substr(i, n == 0 ? 1 : n));
            i += n == 0 ? 1 : n;
            continue;
        }
        ++i;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xf]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
}

inline std::string quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    append_quoted(out, text);
    return out;
}

// Builds a flat JSON object: Object().add("filename", path).add("position", 42).str()
class Object {
public:
    Object& add(std::string_view key, std::string_view value) {
        next_key(key);
        append_quoted(text_, value);
        return *this;
    }
    Object& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    Object& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
    template <class Int>
        requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>)
    Object& add(std::string_view key, Int value) {
        next_key(key);
        char buf[24];
        auto res = std::to_chars(buf, buf + sizeof buf, value);
        text_.append(buf, res.ptr);
        return *this;
    }
    Object& add(std::string_view key, bool value) {
        next_key(key);
        text_ += value ? "true" : "false";
        return *this;
    }
    // Adds an already serialised JSON value.
    Object& add_raw(std::string_view key, std::string_view json_value) {
        next_key(key);
        text_ += json_value;
        return *this;
    }
    std::string str() const { return text_ + "}"; }

private:
    void next_key(std::string_view key) {
        if (text_.size() > 1) text_.push_back(',');
        append_quoted(text_, key);
        text_.push_back(':');
    }
    std::string text_ = "{";
};

// The integer in a value read by parse_flat ("42"), or nullopt when it is not one.
inline std::optional<std::int64_t> to_int(std::string_view text) {
    std::int64_t value = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

// Reads a flat JSON object into key -> value. Strings are unescaped; numbers, booleans and
// null keep their text; nested objects and arrays keep their raw JSON text. Returns nullopt
// when the text is not a JSON object.
inline std::optional<std::map<std::string, std::string>> parse_flat(std::string_view text) {
    std::size_t i = 0;
    auto ws = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    };
    auto read_string = [&](std::string& out) -> bool {
        if (i >= text.size() || text[i] != '"') return false;
        ++i;
        while (i < text.size()) {
            char c = text[i++];
            if (c == '"') return true;
            if (c != '\\') { out.push_back(c); continue; }
            if (i >= text.size()) return false;
            char e = text[i++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                if (i + 4 > text.size()) return false;
                unsigned cp = 0;
                auto res = std::from_chars(text.data() + i, text.data() + i + 4, cp, 16);
                if (res.ptr != text.data() + i + 4) return false;
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= text.size() && text[i] == '\\' && text[i + 1] == 'u') {
                    unsigned lo = 0;
                    auto r2 = std::from_chars(text.data() + i + 2, text.data() + i + 6, lo, 16);
                    if (r2.ptr == text.data() + i + 6 && lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    }
                }
                if (cp < 0x80) {
                    out.push_back(static_cast<char>(cp));
                } else if (cp < 0x800) {
                    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
                    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                } else if (cp < 0x10000) {
                    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
                    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                } else {
                    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
                    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                }
                break;
            }
            default: return false;
            }
        }
        return false;
    };
    // Skips one nested value (object/array), honouring strings.
    auto skip_nested = [&]() -> bool {
        int depth = 0;
        while (i < text.size()) {
            char c = text[i];
            if (c == '"') {
                std::string ignored;
                if (!read_string(ignored)) return false;
                continue;
            }
            ++i;
            if (c == '{' || c == '[') ++depth;
            else if (c == '}' || c == ']') {
                if (--depth == 0) return true;
            }
        }
        return false;
    };
    std::map<std::string, std::string> result;
    ws();
    if (i >= text.size() || text[i] != '{') return std::nullopt;
    ++i;
    ws();
    if (i < text.size() && text[i] == '}') {
        ++i;
        ws();
        return i == text.size() ? std::optional(result) : std::nullopt;
    }
    while (true) {
        ws();
        std::string key;
        if (!read_string(key)) return std::nullopt;
        ws();
        if (i >= text.size() || text[i] != ':') return std::nullopt;
        ++i;
        ws();
        if (i >= text.size()) return std::nullopt;
        std::string value;
        if (text[i] == '"') {
            if (!read_string(value)) return std::nullopt;
        } else if (text[i] == '{' || text[i] == '[') {
            std::size_t start = i;
            if (!skip_nested()) return std::nullopt;
            value.assign(text.substr(start, i - start));
        } else {
            std::size_t start = i;
            while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ' ' && text[i] != '\n' &&
                   text[i] != '\t' && text[i] != '\r')
                ++i;
            value.assign(text.substr(start, i - start));
            if (value.empty()) return std::nullopt;
        }
        result[std::move(key)] = std::move(value);
        ws();
        if (i >= text.size()) return std::nullopt;
        if (text[i] == ',') { ++i; continue; }
        if (text[i] == '}') { ++i; break; }
        return std::nullopt;
    }
    ws();
    if (i != text.size()) return std::nullopt;
    return result;
}

}  // namespace json

// ---- configuration declarations ------------------------------------------------------

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
    sluice_config_def def_{};
};

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

// ---- the worker as a task sees it ------------------------------------------------------

class TaskContext {
public:
    explicit TaskContext(const sluice_host* host) : host_(host) {}

    std::string_view worker_id() const { return host_->worker_id ? host_->worker_id : ""; }
    std::string_view connector() const { return host_->connector ? host_->connector : ""; }
    std::string_view plugin() const { return host_->plugin ? host_->plugin : ""; }
    int task_id() const { return host_->task_id; }
    int task_count() const { return host_->task_count; }

    void log(LogLevel level, std::string_view message) const {
        if (host_->log != nullptr)
            host_->log(host_->opaque, static_cast<sluice_log_level>(level), message.data(), message.size());
    }
    void trace(std::string_view m) const { log(LogLevel::trace, m); }
    void debug(std::string_view m) const { log(LogLevel::debug, m); }
    void info(std::string_view m) const { log(LogLevel::info, m); }
    void warn(std::string_view m) const { log(LogLevel::warn, m); }
    void error(std::string_view m) const { log(LogLevel::error, m); }

    // The offset stored for a source partition (sources only).
    std::optional<std::string_view> stored_offset(std::string_view partition_json) const {
        if (host_->stored_offset == nullptr) return std::nullopt;
        const char* text = host_->stored_offset(host_->opaque, partition_json.data(), partition_json.size());
        if (text == nullptr) return std::nullopt;
        return std::string_view(text);
    }

    // True once the worker is stopping this task: long loops should return early.
    bool stopping() const { return host_->stopping != nullptr && host_->stopping(host_->opaque) != 0; }

    // Hands one record the plugin cannot handle to the connector's error policy. Returns
    // when the record was tolerated (skipped, logged, or sent to the dead-letter topic): go
    // on without it. Throws FatalError when the policy does not tolerate it; the worker has
    // then recorded the record and message as the task's failure.
    void report_errant(const sluice_record& record, std::string_view message) const {
        if (host_->report_errant == nullptr)
            throw FatalError(std::string(message));
        if (host_->report_errant(host_->opaque, &record, message.data(), message.size()) != SLUICE_OK)
            throw FatalError(std::string(message));
    }

private:
    const sluice_host* host_;
};

// ---- records -----------------------------------------------------------------------------

struct Header {
    std::string_view key;
    std::optional<std::string_view> value;
};

// A record a source emits. Views only: the worker copies it during RecordWriter::add.
struct SourceRecord {
    std::optional<std::string_view> key = std::nullopt;
    std::optional<std::string_view> value = std::nullopt;
    // JSON objects, e.g. {"filename":"/data/a.csv"} and {"position":1024}. Leave both empty
    // for a record that has no offset to store.
    std::string_view source_partition = {};
    std::string_view source_offset = {};
    std::int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
    std::span<const Header> headers = {};
    std::optional<std::string_view> topic = std::nullopt; // default: the connector's topic
    std::int32_t partition = SLUICE_ANY_PARTITION;
};

struct CommittedOffset {
    std::string_view source_partition = {};
    std::string_view source_offset = {};
};

namespace detail {
inline sluice_bytes bytes(std::optional<std::string_view> v) {
    return v ? sluice_bytes{v->data() != nullptr ? v->data() : "", v->size()} : sluice_bytes{nullptr, 0};
}
inline std::optional<std::string_view> view(const sluice_bytes& b) {
    if (b.data == nullptr) return std::nullopt;
    return std::string_view(b.data, b.size);
}
}  // namespace detail

// A source's errant record (see TaskContext::report_errant): the raw upstream bytes and where
// they were found.
inline void report_errant(const TaskContext& context, const SourceRecord& r, std::string_view message) {
    sluice_record rec{};
    rec.struct_size = sizeof(sluice_record);
    rec.key = detail::bytes(r.key);
    rec.value = detail::bytes(r.value);
    rec.timestamp_ms = r.timestamp_ms;
    rec.topic = detail::bytes(r.topic);
    rec.partition = r.partition;
    rec.offset = -1;
    if (!r.source_partition.empty() || !r.source_offset.empty()) {
        rec.source_partition = detail::bytes(r.source_partition);
        rec.source_offset = detail::bytes(r.source_offset);
    }
    context.report_errant(rec, message);
}

class RecordWriter {
public:
    explicit RecordWriter(sluice_batch_writer* writer) : writer_(writer) {}

    std::size_t max_records() const { return writer_->max_records; }
    std::size_t size() const { return count_; }
    bool full() const { return count_ >= writer_->max_records; }

    void add(const SourceRecord& r) {
        sluice_record rec{};
        rec.struct_size = sizeof(sluice_record);
        rec.key = detail::bytes(r.key);
        rec.value = detail::bytes(r.value);
        rec.timestamp_ms = r.timestamp_ms;
        rec.topic = detail::bytes(r.topic);
        rec.partition = r.partition;
        rec.offset = -1;
        if (!r.source_partition.empty() || !r.source_offset.empty()) {  // empty: no offset (NULL)
            rec.source_partition = detail::bytes(r.source_partition);
            rec.source_offset = detail::bytes(r.source_offset);
        }
        std::vector<sluice_header> headers;
        std::vector<const sluice_header*> header_ptrs;
        if (!r.headers.empty()) {
            headers.reserve(r.headers.size());
            for (const auto& h : r.headers) headers.push_back({detail::bytes(h.key), detail::bytes(h.value)});
            for (const auto& h : headers) header_ptrs.push_back(&h);
            rec.headers = header_ptrs.data();
            rec.header_count = header_ptrs.size();
        }
        char message[512];
        message[0] = '\0';
        sluice_error err{message, sizeof message, -1};
        sluice_status status = writer_->append(writer_->opaque, &rec, &err);
        if (status != SLUICE_OK) throw FatalError(std::string("record refused by the worker: ") + message);
        ++count_;
    }

private:
    sluice_batch_writer* writer_;
    std::size_t count_ = 0;
};

// A read-only view of a record a sink receives.
class SinkRecord {
public:
    explicit SinkRecord(const sluice_record* r) : r_(r) {}
    std::optional<std::string_view> key() const { return detail::view(r_->key); }
    std::optional<std::string_view> value() const { return detail::view(r_->value); }
    std::int64_t timestamp_ms() const { return r_->timestamp_ms; }
    std::string_view topic() const { return r_->topic.data ? std::string_view(r_->topic.data, r_->topic.size) : std::string_view(); }
    std::int32_t partition() const { return r_->partition; }
    std::int64_t offset() const { return r_->offset; }
    std::size_t header_count() const { return r_->header_count; }
    Header header(std::size_t i) const {
        const sluice_header* h = r_->headers[i];
        return {std::string_view(h->key.data ? h->key.data : "", h->key.size), detail::view(h->value)};
    }
    // The last header with this key, if any.
    std::optional<Header> header(std::string_view key) const {
        for (std::size_t i = r_->header_count; i-- > 0;) {
            Header h = header(i);
            if (h.key == key) return h;
        }
        return std::nullopt;
    }
    const sluice_record* raw() const { return r_; }

private:
    const sluice_record* r_;
};

class SinkRecords {
public:
    SinkRecords(const sluice_record* const* records, std::size_t count) : records_(records), count_(count) {}
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    SinkRecord operator[](std::size_t i) const { return SinkRecord(records_[i]); }

    class iterator {
    public:
        explicit iterator(const sluice_record* const* p) : p_(p) {}
        SinkRecord operator*() const { return SinkRecord(*p_); }
        iterator& operator++() { ++p_; return *this; }
        bool operator==(const iterator& o) const { return p_ == o.p_; }
        bool operator!=(const iterator& o) const { return p_ != o.p_; }
    private:
        const sluice_record* const* p_;
    };
    iterator begin() const { return iterator(records_); }
    iterator end() const { return iterator(records_ + count_); }

private:
    const sluice_record* const* records_;
    std::size_t count_;
};

struct TopicPartition {
    std::string_view topic;
    std::int32_t partition = 0;
    std::int64_t offset = SLUICE_OFFSET_UNSET;
};

// ---- what a plugin implements ---------------------------------------------------------

class Source {
public:
    virtual ~Source() = default;
    // Add up to out.max_records() records; wait at most `timeout` when nothing is ready.
    virtual void poll(RecordWriter& out, std::chrono::milliseconds timeout) = 0;
    // These offsets are durable in Kafka: upstream acknowledgements can happen here.
    virtual void commit(std::span<const CommittedOffset> offsets) { (void)offsets; }
};

class Sink {
public:
    virtual ~Sink() = default;
    // Write or buffer the records. Throw RetriableError to be offered the same batch again.
    virtual void put(const SinkRecords& records) = 0;
    // Make everything put so far durable. May lower positions[i].offset (the next offset to
    // commit) to what is really durable.
    virtual void flush(std::span<TopicPartition> positions) { (void)positions; }
    // Partitions assigned: set offset to resume from there instead of the committed offset.
    virtual void open(std::span<TopicPartition> partitions) { (void)partitions; }
    // Partitions revoked, after their final flush.
    virtual void close(std::span<const TopicPartition> partitions) { (void)partitions; }
};

// ---- transforms and predicates (ABI 1.1) ------------------------------------------------

// The record cannot be transformed (wrong type, missing field, bad text): SLUICE_ERROR, and
// the connector's error policy decides. Name the transform, the field and what was expected.
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Side { key, value };

namespace detail {
// Bytes and header arrays a transform instance hands to the worker; they must stay valid
// until the instance's next apply() (abi.h), so they are recycled only then. A deque keeps
// element addresses stable (short strings live inside std::string, so a vector would move
// them).
class TransformScratch {
public:
    void reset() {
        used_ = 0;
        header_sets_used_ = 0;
    }
    std::string_view keep(std::string_view bytes) {
        if (used_ == strings_.size()) strings_.emplace_back();
        std::string& s = strings_[used_++];
        s.assign(bytes.data() != nullptr ? bytes.data() : "", bytes.size());
        return s;
    }
    struct HeaderSet {
        std::vector<sluice_header> headers;
        std::vector<const sluice_header*> pointers;
    };
    HeaderSet& header_set() {
        if (header_sets_used_ == header_sets_.size()) header_sets_.emplace_back();
        HeaderSet& set = header_sets_[header_sets_used_++];
        set.headers.clear();
        set.pointers.clear();
        return set;
    }

private:
    std::deque<std::string> strings_;
    std::size_t used_ = 0;
    std::deque<HeaderSet> header_sets_;
    std::size_t header_sets_used_ = 0;
};
}  // namespace detail

// A record passing through a transform chain (see sluice_transform_record in abi.h). Reads
// are views valid during the call; writes copy what they are given (set_*) unless the
// method says otherwise.
class TransformRecord {
public:
    TransformRecord(sluice_transform_record* r, detail::TransformScratch& scratch) : r_(r), scratch_(scratch) {}

    // The key or value bytes; nullopt for null. When a document from an earlier transform is
    // attached, it is serialised and released first, so the bytes are authoritative again.
    std::optional<std::string_view> bytes(Side side) {
        sluice_document& doc = document(side);
        if (doc.handle != nullptr) {
            sluice_bytes text{};
            sluice_status status = doc.serialize != nullptr ? doc.serialize(doc.handle, &text) : SLUICE_ERROR;
            if (status != SLUICE_OK) throw DataError("the attached document could not be serialised");
            bytes_ref(side) = text.data == nullptr ? sluice_bytes{nullptr, 0} : keep_bytes(text);
            release_document(side);
        }
        return detail_view(bytes_ref(side));
    }
    std::optional<std::string_view> key() { return bytes(Side::key); }
    std::optional<std::string_view> value() { return bytes(Side::value); }

    // True when the key/value is null and no document stands for it.
    bool is_null(Side side) const {
        const sluice_document& doc = side == Side::key ? r_->key_doc : r_->value_doc;
        const sluice_bytes& b = side == Side::key ? r_->key : r_->value;
        return doc.handle == nullptr && b.data == nullptr;
    }

    // Replaces the bytes (copied; nullopt = null) and drops any attached document.
    void set_bytes(Side side, std::optional<std::string_view> bytes) {
        release_document(side);
        bytes_ref(side) = bytes ? keep_bytes({bytes->data(), bytes->size()}) : sluice_bytes{nullptr, 0};
    }
    void set_key(std::optional<std::string_view> k) { set_bytes(Side::key, k); }
    void set_value(std::optional<std::string_view> v) { set_bytes(Side::value, v); }

    // The attached parsed form (handle == NULL: none). A plugin uses a document's handle
    // only when its owner is the plugin's own; see abi.h.
    sluice_document& document(Side side) { return side == Side::key ? r_->key_doc : r_->value_doc; }
    // Attaches a document that now stands for the key/value; the old one is released.
    void attach_document(Side side, const sluice_document& doc) {
        release_document(side);
        document(side) = doc;
    }
    void release_document(Side side) {
        sluice_document& doc = document(side);
        if (doc.handle != nullptr && doc.release != nullptr) doc.release(doc.handle);
        doc = sluice_document{};
    }

    std::string_view topic() const { return r_->topic.data ? std::string_view(r_->topic.data, r_->topic.size) : std::string_view(); }
    void set_topic(std::string_view topic) { r_->topic = keep_bytes({topic.data(), topic.size()}); }
    std::int32_t partition() const { return r_->partition; }
    void set_partition(std::int32_t p) { r_->partition = p; }
    std::int64_t offset() const { return r_->offset; }
    std::int64_t timestamp_ms() const { return r_->timestamp_ms; }
    void set_timestamp_ms(std::int64_t t) { r_->timestamp_ms = t; }
    bool is_source() const { return r_->is_source != 0; }

    std::size_t header_count() const { return r_->header_count; }
    Header header(std::size_t i) const {
        const sluice_header* h = r_->headers[i];
        return {std::string_view(h->key.data ? h->key.data : "", h->key.size), detail_view(h->value)};
    }
    // Replaces every header. Views in `headers` may point at the current headers' bytes or at
    // anything alive during this call: they are copied.
    void set_headers(std::span<const Header> headers) {
        auto& set = scratch_.header_set();
        set.headers.reserve(headers.size());
        for (const Header& h : headers) {
            sluice_header out{};
            out.key = keep_bytes({h.key.data(), h.key.size()});
            out.value = h.value ? keep_bytes({h.value->data(), h.value->size()}) : sluice_bytes{nullptr, 0};
            set.headers.push_back(out);
        }
        for (const auto& h : set.headers) set.pointers.push_back(&h);
        r_->headers = set.pointers.empty() ? nullptr : set.pointers.data();
        r_->header_count = set.pointers.size();
    }
    std::vector<Header> headers() const {
        std::vector<Header> out;
        out.reserve(r_->header_count);
        for (std::size_t i = 0; i < r_->header_count; ++i) out.push_back(header(i));
        return out;
    }

    // Copies bytes into storage that lives until this instance's next apply().
    std::string_view keep(std::string_view bytes) { return scratch_.keep(bytes); }
    sluice_transform_record* raw() { return r_; }

private:
    static std::optional<std::string_view> detail_view(const sluice_bytes& b) {
        if (b.data == nullptr) return std::nullopt;
        return std::string_view(b.data, b.size);
    }
    sluice_bytes& bytes_ref(Side side) { return side == Side::key ? r_->key : r_->value; }
    sluice_bytes keep_bytes(sluice_bytes b) {
        std::string_view kept = scratch_.keep(std::string_view(b.data != nullptr ? b.data : "", b.size));
        return {kept.data(), kept.size()};
    }
    sluice_transform_record* r_;
    detail::TransformScratch& scratch_;
};

// A single-message transform. Return false to drop the record (filter). Throw DataError (or
// any exception) when the record cannot be transformed: SLUICE_ERROR, the error policy
// decides; RetriableError for transient trouble.
class Transform {
public:
    virtual ~Transform() = default;
    virtual bool apply(TransformRecord& record) = 0;
};

// A condition for a transform (Kafka Connect predicates). May attach a document equivalent
// to the bytes, nothing else.
class Predicate {
public:
    virtual ~Predicate() = default;
    virtual bool test(TransformRecord& record) = 0;
};

// ---- the glue behind the export macros --------------------------------------------------

namespace detail {

inline void set_error(sluice_error* err, std::string_view message, std::int64_t record_index = -1) {
    if (err == nullptr) return;
    err->record_index = record_index;
    if (err->message == nullptr || err->capacity == 0) return;
    std::size_t n = message.size() < err->capacity - 1 ? message.size() : err->capacity - 1;
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
}

template <class F>
sluice_status guarded(sluice_error* err, F&& body) noexcept {
    try {
        body();
        return SLUICE_OK;
    } catch (const RetriableError& e) {
        set_error(err, e.what());
        return SLUICE_RETRY;
    } catch (const FatalError& e) {
        set_error(err, e.what());
        return SLUICE_FATAL;
    } catch (const RecordError& e) {
        set_error(err, e.what(), static_cast<std::int64_t>(e.index()));
        return SLUICE_ERROR;
    } catch (const std::exception& e) {
        set_error(err, e.what());
        return SLUICE_ERROR;
    } catch (...) {
        set_error(err, "unknown exception");
        return SLUICE_ERROR;
    }
}

template <class T>
struct Instance {
    Instance(const sluice_host* host, const sluice_config* config)
        : context(host), config(config), task(std::make_unique<T>(this->config, context)) {}
    TaskContext context;
    Config config;
    std::unique_ptr<T> task;
};

// Exceptions from a constructor mean the task cannot start at all.
template <class T>
sluice_status create(const sluice_host* host, const sluice_config* config, void** instance, sluice_error* err) {
    sluice_status status = guarded(err, [&] { *instance = new Instance<T>(host, config); });
    return status == SLUICE_OK ? SLUICE_OK : SLUICE_FATAL;
}

template <class T>
void destroy(void* instance) {
    delete static_cast<Instance<T>*>(instance);
}

template <class T>
sluice_status test(const sluice_host* host, const sluice_config* config, sluice_error* err) {
    return guarded(err, [&] {
        Config c(config);
        TaskContext ctx(host);
        T::test(c, ctx);
    });
}

template <class T>
constexpr bool has_test = requires(const Config& c, TaskContext& ctx) { T::test(c, ctx); };

template <class T>
constexpr bool has_validate = requires(const Config& c, ConfigProblems& p) { T::validate(c, p); };

// An exception from validate() is a problem of its own, never a crash.
template <class T>
sluice_status validate_config(const sluice_config* config, const sluice_config_problems* problems) noexcept {
    ConfigProblems found(problems);
    try {
        Config c(config);
        T::validate(c, found);
    } catch (const std::exception& e) {
        found.add("", e.what());
    } catch (...) {
        found.add("", "validate() failed");
    }
    return found.count() == 0 ? SLUICE_OK : SLUICE_ERROR;
}

template <class T>
constexpr int max_tasks() {
    if constexpr (requires { T::max_tasks; }) return T::max_tasks;
    else return 0;
}

template <class T>
sluice_status source_poll(void* instance, sluice_batch_writer* out, int32_t timeout_ms, sluice_error* err) {
    return guarded(err, [&] {
        RecordWriter writer(out);
        static_cast<Instance<T>*>(instance)->task->poll(writer, std::chrono::milliseconds(timeout_ms));
    });
}

template <class T>
sluice_status source_commit(void* instance, const sluice_source_offset* const* offsets, size_t count, sluice_error* err) {
    return guarded(err, [&] {
        std::vector<CommittedOffset> committed;
        committed.reserve(count);
        for (size_t i = 0; i < count; ++i)
            committed.push_back({std::string_view(offsets[i]->source_partition.data, offsets[i]->source_partition.size),
                                 std::string_view(offsets[i]->source_offset.data, offsets[i]->source_offset.size)});
        static_cast<Instance<T>*>(instance)->task->commit(committed);
    });
}

inline std::vector<TopicPartition> partitions_in(sluice_topic_partition* const* parts, size_t count) {
    std::vector<TopicPartition> out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) out.push_back({parts[i]->topic, parts[i]->partition, parts[i]->offset});
    return out;
}

inline void partitions_out(const std::vector<TopicPartition>& in, sluice_topic_partition* const* parts) {
    for (size_t i = 0; i < in.size(); ++i) parts[i]->offset = in[i].offset;
}

template <class T>
sluice_status sink_put(void* instance, const sluice_record* const* records, size_t count, sluice_error* err) {
    return guarded(err, [&] { static_cast<Instance<T>*>(instance)->task->put(SinkRecords(records, count)); });
}

template <class T>
sluice_status sink_flush(void* instance, sluice_topic_partition* const* positions, size_t count, sluice_error* err) {
    return guarded(err, [&] {
        auto parts = partitions_in(positions, count);
        static_cast<Instance<T>*>(instance)->task->flush(parts);
        partitions_out(parts, positions);
    });
}

template <class T>
sluice_status sink_open(void* instance, sluice_topic_partition* const* partitions, size_t count, sluice_error* err) {
    return guarded(err, [&] {
        auto parts = partitions_in(partitions, count);
        static_cast<Instance<T>*>(instance)->task->open(parts);
        partitions_out(parts, partitions);
    });
}

template <class T>
sluice_status sink_close(void* instance, const sluice_topic_partition* const* partitions, size_t count, sluice_error* err) {
    return guarded(err, [&] {
        std::vector<TopicPartition> parts;
        for (size_t i = 0; i < count; ++i) parts.push_back({partitions[i]->topic, partitions[i]->partition, partitions[i]->offset});
        static_cast<Instance<T>*>(instance)->task->close(parts);
    });
}

// Registered descriptors form a list per shared object. Hidden visibility keeps each
// plugin's list its own even when several plugins are loaded into one process.
struct RegistryNode {
    const sluice_plugin_descriptor* descriptor;
    RegistryNode* next;
};
__attribute__((visibility("hidden"))) inline RegistryNode* registry_head = nullptr;

// Owns everything a descriptor points to; lives as long as the library.
struct DescriptorStorage {
    std::string name, version, description;
    std::vector<ConfigKey> keys;
    std::vector<const sluice_config_def*> defs;
    sluice_source_vtable source{};
    sluice_sink_vtable sink{};
    sluice_transform_vtable transform{};
    sluice_predicate_vtable predicate{};
    sluice_plugin_descriptor descriptor{};
    RegistryNode node{};
};

template <class T>
DescriptorStorage* describe(sluice_plugin_kind kind, const char* name, const char* version, const char* description) {
    auto* s = new DescriptorStorage();  // lives until the library is unloaded
    s->name = name;
    s->version = version;
    s->description = description;
    if constexpr (requires { T::config_keys(); }) s->keys = T::config_keys();
    for (auto& k : s->keys) s->defs.push_back(k.def());
    s->descriptor.struct_size = sizeof(sluice_plugin_descriptor);
    s->descriptor.kind = kind;
    s->descriptor.name = s->name.c_str();
    s->descriptor.version = s->version.c_str();
    s->descriptor.description = s->description.c_str();
    s->descriptor.config = s->defs.empty() ? nullptr : s->defs.data();
    s->descriptor.config_count = s->defs.size();
    s->descriptor.max_tasks = max_tasks<T>();
    if constexpr (has_validate<T>) s->descriptor.validate = &validate_config<T>;
    return s;
}

inline void enlist(DescriptorStorage* s) {
    s->node.descriptor = &s->descriptor;
    s->node.next = registry_head;
    registry_head = &s->node;
}

template <class T>
bool register_source(const char* name, const char* version, const char* description) {
    static_assert(std::is_base_of_v<Source, T>, "SLUICE_SOURCE needs a class derived from sluice::Source");
    auto* s = describe<T>(SLUICE_KIND_SOURCE, name, version, description);
    s->source.struct_size = sizeof(sluice_source_vtable);
    s->source.create = &create<T>;
    s->source.destroy = &destroy<T>;
    s->source.poll = &source_poll<T>;
    s->source.commit = &source_commit<T>;
    if constexpr (has_test<T>) s->source.test = &test<T>;
    s->descriptor.vtable = &s->source;
    enlist(s);
    return true;
}

template <class T>
bool register_sink(const char* name, const char* version, const char* description) {
    static_assert(std::is_base_of_v<Sink, T>, "SLUICE_SINK needs a class derived from sluice::Sink");
    auto* s = describe<T>(SLUICE_KIND_SINK, name, version, description);
    s->sink.struct_size = sizeof(sluice_sink_vtable);
    s->sink.create = &create<T>;
    s->sink.destroy = &destroy<T>;
    s->sink.put = &sink_put<T>;
    s->sink.flush = &sink_flush<T>;
    s->sink.open = &sink_open<T>;
    s->sink.close = &sink_close<T>;
    if constexpr (has_test<T>) s->sink.test = &test<T>;
    s->descriptor.vtable = &s->sink;
    enlist(s);
    return true;
}

template <class T>
struct TransformInstance {
    TransformInstance(const sluice_host* host, const sluice_config* config)
        : context(host), config(config), task(std::make_unique<T>(this->config, context)) {}
    TaskContext context;
    Config config;
    TransformScratch scratch;
    std::unique_ptr<T> task;
};

// A transform or predicate that cannot be built from its configuration stops the task.
template <class T>
sluice_status transform_create(const sluice_host* host, const sluice_config* config, void** instance, sluice_error* err) {
    sluice_status status = guarded(err, [&] { *instance = new TransformInstance<T>(host, config); });
    return status == SLUICE_OK ? SLUICE_OK : SLUICE_FATAL;
}

template <class T>
void transform_destroy(void* instance) {
    delete static_cast<TransformInstance<T>*>(instance);
}

template <class T>
sluice_status transform_apply(void* instance, sluice_transform_record* record, int32_t* keep, sluice_error* err) {
    auto* self = static_cast<TransformInstance<T>*>(instance);
    self->scratch.reset();
    *keep = 1;
    return guarded(err, [&] {
        TransformRecord r(record, self->scratch);
        *keep = self->task->apply(r) ? 1 : 0;
    });
}

template <class T>
sluice_status predicate_test(void* instance, sluice_transform_record* record, int32_t* result, sluice_error* err) {
    auto* self = static_cast<TransformInstance<T>*>(instance);
    self->scratch.reset();
    *result = 0;
    return guarded(err, [&] {
        TransformRecord r(record, self->scratch);
        *result = self->task->test(r) ? 1 : 0;
    });
}

template <class T>
bool register_transform(const char* name, const char* version, const char* description) {
    static_assert(std::is_base_of_v<Transform, T>, "SLUICE_TRANSFORM needs a class derived from sluice::Transform");
    auto* s = describe<T>(SLUICE_KIND_TRANSFORM, name, version, description);
    s->transform.struct_size = sizeof(sluice_transform_vtable);
    s->transform.create = &transform_create<T>;
    s->transform.destroy = &transform_destroy<T>;
    s->transform.apply = &transform_apply<T>;
    s->descriptor.vtable = &s->transform;
    enlist(s);
    return true;
}

template <class T>
bool register_predicate(const char* name, const char* version, const char* description) {
    static_assert(std::is_base_of_v<Predicate, T>, "SLUICE_PREDICATE needs a class derived from sluice::Predicate");
    auto* s = describe<T>(SLUICE_KIND_PREDICATE, name, version, description);
    s->predicate.struct_size = sizeof(sluice_predicate_vtable);
    s->predicate.create = &transform_create<T>;
    s->predicate.destroy = &transform_destroy<T>;
    s->predicate.test = &predicate_test<T>;
    s->descriptor.vtable = &s->predicate;
    enlist(s);
    return true;
}

__attribute__((visibility("hidden"))) inline const sluice_manifest* build_manifest() {
    static std::vector<const sluice_plugin_descriptor*> plugins;
    static const sluice_manifest manifest = [] {
        for (RegistryNode* n = registry_head; n != nullptr; n = n->next) plugins.insert(plugins.begin(), n->descriptor);
        sluice_manifest m{};
        m.struct_size = sizeof(sluice_manifest);
        m.abi_major = SLUICE_ABI_MAJOR;
        m.abi_minor = SLUICE_ABI_MINOR;
        m.sdk_version = SLUICE_SDK_VERSION;
        m.plugins = plugins.data();
        m.plugin_count = plugins.size();
        return m;
    }();
    return &manifest;
}

}  // namespace detail
}  // namespace sluice

// The one exported symbol. Weak, so that every translation unit of a plugin may include
// this header; the linker keeps one copy.
extern "C" SLUICE_EXPORT __attribute__((weak)) const sluice_manifest* sluice_plugin_manifest(uint32_t host_abi_major,
                                                                                            uint32_t host_abi_minor) {
    (void)host_abi_major;
    (void)host_abi_minor;
    return sluice::detail::build_manifest();
}

#define SLUICE_DETAIL_CONCAT2(a, b) a##b
#define SLUICE_DETAIL_CONCAT(a, b) SLUICE_DETAIL_CONCAT2(a, b)

// Exports a source connector class under a plugin name.
#define SLUICE_SOURCE(Class, name, version, description)                                            \
    [[maybe_unused]] static const bool SLUICE_DETAIL_CONCAT(sluice_registered_, __COUNTER__) =        \
        ::sluice::detail::register_source<Class>(name, version, description);

// Exports a sink connector class under a plugin name.
#define SLUICE_SINK(Class, name, version, description)                                              \
    [[maybe_unused]] static const bool SLUICE_DETAIL_CONCAT(sluice_registered_, __COUNTER__) =        \
        ::sluice::detail::register_sink<Class>(name, version, description);

// Exports a single-message transform class under a plugin name (kind 3).
#define SLUICE_TRANSFORM(Class, name, version, description)                                         \
    [[maybe_unused]] static const bool SLUICE_DETAIL_CONCAT(sluice_registered_, __COUNTER__) =        \
        ::sluice::detail::register_transform<Class>(name, version, description);

// Exports a predicate class under a plugin name (kind 4).
#define SLUICE_PREDICATE(Class, name, version, description)                                         \
    [[maybe_unused]] static const bool SLUICE_DETAIL_CONCAT(sluice_registered_, __COUNTER__) =        \
        ::sluice::detail::register_predicate<Class>(name, version, description);
