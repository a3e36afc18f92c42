// The worker-side model of declared configuration: what a key accepts, and the value it
// resolved to. Plugins declare keys through the ABI; the worker declares its own the same
// way, so one validator and one documentation generator serve both.
#pragma once

#include "config/diagnostics.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::config {

enum class ValueType { string, integer, number, boolean, list, map, json };
std::string_view type_name(ValueType type);

struct KeyDef {
    std::string name;  // dotted
    ValueType type = ValueType::string;
    std::string doc;
    std::optional<std::string> default_text;
    bool required = false;
    bool secret = false;
    bool local_path = false;  // names a file or directory on the worker's machine
    std::optional<double> min;
    std::optional<double> max;
    std::vector<std::string> allowed;
    std::vector<std::string> aliases;  // former names, accepted with a deprecation warning

    std::string expectation() const;  // "an integer between 1 and 100", "one of a, b", ...
    std::string constraint() const;   // "between 1 and 100", ">= 0", "one of a, b", or empty
};

// A key of a worker-side schema from its name, type, doc and default (nullopt: none).
KeyDef key_def(std::string name, ValueType type, std::string doc, std::optional<std::string> default_text = std::nullopt);

class Schema {
public:
    Schema() = default;
    explicit Schema(std::vector<KeyDef> keys) : keys_(std::move(keys)) {}
    const KeyDef* find(std::string_view name) const;
    const KeyDef* find_former(std::string_view name) const;  // the key that once had this name
    bool has_prefix(std::string_view prefix) const;  // some key starts with "prefix."
    std::vector<std::string> names() const;
    const std::vector<KeyDef>& keys() const { return keys_; }

private:
    std::vector<KeyDef> keys_;
};

// A validated value in canonical form.
struct Value {
    ValueType type = ValueType::string;
    std::string text;                // canonical text ("42", "true", "a,b", JSON for map/json)
    std::vector<std::string> items;  // list items; map: key, value, key, value...
    std::string json;                // the value as JSON
    bool secret = false;             // declared secret
    bool interpolated = false;       // came (partly) from ${env:...} / ${file:...}: shown masked
    bool defaulted = false;
    Location where;

    bool masked() const { return secret || interpolated; }
    std::string display() const { return masked() ? "****" : text; }
};

// Key -> value for every key that was set or has a default.
using Resolved = std::map<std::string, Value>;

// Turns the text of a scalar into a value of the key's type (range, enum checked).
// Returns the error message on failure, which shows the value as `shown` when given (a
// value from a provider), never at all for a secret key, and as written otherwise.
std::optional<std::string> convert_scalar(const KeyDef& def, const std::string& text, Value& out, std::string_view shown = {});

// Builds the value of a default.
Value default_value(const KeyDef& def);

// The texts of the masked values (secret keys, values from providers): what must never
// appear in a log line or an answer while these values are in use.
std::vector<std::string> masked_texts(const Resolved& values);
// The value bound to `name`, or nullptr.
const Value* find_value(const Resolved& values, const std::string& name);

}  // namespace sluice::config
