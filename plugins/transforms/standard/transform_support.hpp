// What the transforms of this library share: the key/value target switch, dotted field
// paths, reading numbers and strings out of document nodes, and error messages that name
// the transform, the field and what was expected.
#pragma once

#include "json_document.hpp"
#include "record_document.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::transforms {

// `target: value|key` (Kafka Connect's $Value / $Key variants) in a transform's config kit
// spec, filling `side`.
template <class O>
void declare_target(config_kit::Spec<O>& k, Side O::*side) {
    k.choice("target", side, {{"value", Side::value}, {"key", Side::key}},
             "Which part of the record to transform: value (Connect's $Value) or key ($Key).")
        .default_value(Side::value);
}

// A configured field: its text as written and its dotted path.
struct FieldPath {
    std::string text;
    std::vector<std::string> path;
    FieldPath() = default;
    explicit FieldPath(std::string dotted) : text(std::move(dotted)), path(split_path(text)) {}
};

// The record's key/value as an object document; nullptr when it is null (tombstone).
// Throws DataError "<transform>: expected the record <side> to be a JSON object, found ...".
Document* object_document(TransformRecord& record, Side side, std::string_view transform);

// The number in a number node (or a string holding one when `from_string`); nullopt else.
std::optional<double> number_of(const Node& node);
std::optional<std::int64_t> integer_of(const Node& node);
using text::trim;  // ASCII blanks (sluice/sdk/text.hpp)
std::optional<double> parse_double(std::string_view text);
// The text of a scalar as a header or key would carry it: strings unescaped, other values
// as JSON text.
std::string scalar_text(Document& doc, const Node& node);

[[noreturn]] void data_error(std::string_view transform, std::string_view message);

// An ECMAScript regex from a transform's or predicate's config; FatalError naming `who`
// and the pattern when it does not compile.
std::regex compile_regex(const std::string& pattern, std::string_view who);

// Splits "old:new" pairs (Connect's renames syntax).
std::vector<std::pair<std::string, std::string>> parse_pairs(const std::vector<std::string>& items,
                                                             std::string_view transform, std::string_view key);

}  // namespace sluice::transforms
