#include "sluice/sql/json_fields.hpp"
#include <sluice/sdk/text.hpp>

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace sluice::sql {

using text::trim;

const char* json_kind_name(JsonKind kind) {
    switch (kind) {
    case JsonKind::null: return "null";
    case JsonKind::boolean: return "boolean";
    case JsonKind::number: return "number";
    case JsonKind::string: return "string";
    case JsonKind::object: return "object";
    case JsonKind::array: return "array";
    }
    return "?";
}

bool is_json_number(std::string_view t) {
    std::size_t i = 0;
    const auto digit = [&](std::size_t k) { return k < t.size() && t[k] >= '0' && t[k] <= '9'; };
    if (i < t.size() && t[i] == '-') ++i;
    if (!digit(i)) return false;
    if (t[i] == '0') ++i;
    else
        while (digit(i)) ++i;
    if (i < t.size() && t[i] == '.') {
        ++i;
        if (!digit(i)) return false;
        while (digit(i)) ++i;
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        if (!digit(i)) return false;
        while (digit(i)) ++i;
    }
    return i == t.size();
}

Field FieldArena::at(std::size_t i) const {
    const Stored& s = fields_[i];
    return {std::string_view(s.name, s.name_size), {s.kind, std::string_view(s.text, s.text_size)}};
}

void FieldArena::clear() {
    // The blocks serve the next batch; beyond 64 MiB (one huge batch) they are released.
    std::size_t total = 0;
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
        total += blocks_[i].size;
        if (total > (64u << 20)) {
            blocks_.resize(i);
            break;
        }
    }
    current_ = 0;
    block_used_ = 0;
    fields_.clear();
    names_at_.clear();
}

const char* FieldArena::keep(std::string_view bytes) {
    constexpr std::size_t kBlock = 256 * 1024;
    while (current_ < blocks_.size() && block_used_ + bytes.size() > blocks_[current_].size) {
        ++current_;
        block_used_ = 0;
    }
    if (current_ == blocks_.size()) {
        const std::size_t size = std::max(kBlock, bytes.size());
        blocks_.push_back({std::unique_ptr<char[]>(new char[size]), size});  // not zeroed: written before read
        block_used_ = 0;
    }
    char* at = blocks_[current_].bytes.get() + block_used_;
    if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
    block_used_ += bytes.size();
    return at;
}

void FieldArena::push(std::string_view name, JsonKind kind, std::string_view text, std::size_t index) {
    Stored s{};
    if (index < names_at_.size() && names_at_[index] == name) {
        s.name = names_at_[index].data();
    } else {
        s.name = keep(name);
        if (index < 256) {  // wider objects: names are just copied
            if (index >= names_at_.size()) names_at_.resize(index + 1);
            names_at_[index] = std::string_view(s.name, name.size());
        }
    }
    s.name_size = static_cast<std::uint32_t>(name.size());
    s.text = keep(text);
    s.text_size = static_cast<std::uint32_t>(text.size());
    s.kind = kind;
    fields_.push_back(s);
}

namespace {


}  // namespace

struct JsonParser::Impl {
    simdjson::ondemand::parser parser;
    std::vector<std::pair<std::string_view, JsonValue>> values;  // one object's fields, reused
    std::string padded;  // the input copied with SIMDJSON_PADDING bytes of capacity behind it

    simdjson::padded_string_view pad(std::string_view bytes) {
        padded.assign(bytes.data(), bytes.size());
        if (padded.capacity() < bytes.size() + simdjson::SIMDJSON_PADDING) padded.reserve(bytes.size() + simdjson::SIMDJSON_PADDING);
        return simdjson::padded_string_view(padded.data(), padded.size(), padded.capacity());
    }
};

JsonParser::JsonParser() : impl_(std::make_unique<Impl>()) {}
JsonParser::~JsonParser() = default;

bool JsonParser::parse_object(std::string_view bytes, FieldArena& arena, FieldArena::Range& range, std::string& error) {
    namespace od = simdjson::ondemand;
    const std::string_view trimmed = trim(bytes);
    if (trimmed.empty()) {
        error = "is empty, not a JSON object";
        return false;
    }
    if (trimmed.front() != '{') {
        error = "is not a JSON object (it starts with '" + std::string(trimmed.substr(0, 20)) + "')";
        return false;
    }
    od::document doc;
    simdjson::error_code err = impl_->parser.iterate(impl_->pad(bytes)).get(doc);
    od::object object;
    if (!err) err = doc.get_object().get(object);
    if (err) {
        error = std::string("is not valid JSON: ") + simdjson::error_message(err);
        return false;
    }
    // Strings from get_string() live in the parser's string buffer until the next iterate():
    // valid for this whole loop, so they can be pushed at the end in one go.
    auto& values = impl_->values;
    values.clear();
    for (auto field : object) {
        std::string_view name;
        if ((err = field.unescaped_key().get(name))) break;
        od::value v = field.value();
        od::json_type type;
        if ((err = v.type().get(type))) break;
        JsonValue value;
        switch (type) {
        case od::json_type::string: value.kind = JsonKind::string; err = v.get_string().get(value.text); break;
        case od::json_type::number:
            value.kind = JsonKind::number;
            value.text = trim(v.raw_json_token());
            if (!is_json_number(value.text)) err = simdjson::NUMBER_ERROR;
            break;
        case od::json_type::boolean: {
            bool b = false;
            value.kind = JsonKind::boolean;
            err = v.get_bool().get(b);
            value.text = b ? "true" : "false";
            break;
        }
        case od::json_type::null: {
            bool is_null = false;
            value.kind = JsonKind::null;
            err = v.is_null().get(is_null);
            if (!err && !is_null) err = simdjson::N_ATOM_ERROR;
            break;
        }
        case od::json_type::object: {
            od::object inner;
            value.kind = JsonKind::object;
            err = v.get_object().get(inner);
            if (!err) err = inner.raw_json().get(value.text);
            value.text = trim(value.text);
            break;
        }
        case od::json_type::array: {
            od::array inner;
            value.kind = JsonKind::array;
            err = v.get_array().get(inner);
            if (!err) err = inner.raw_json().get(value.text);
            value.text = trim(value.text);
            break;
        }
        }
        if (err) {
            error = "has a field '" + std::string(name) + "' that is not valid JSON: " + simdjson::error_message(err);
            return false;
        }
        values.emplace_back(name, value);
    }
    if (err) {
        error = std::string("is not valid JSON: ") + simdjson::error_message(err);
        return false;
    }
    // Anything after the object (a second value, garbage) makes the record ambiguous.
    if (auto location = doc.current_location(); !location.error()) {
        error = "holds more than one JSON value (text after the object)";
        return false;
    }
    range.first = static_cast<std::uint32_t>(arena.size());
    range.count = static_cast<std::uint32_t>(values.size());
    for (std::size_t k = 0; k < values.size(); ++k) arena.push(values[k].first, values[k].second.kind, values[k].second.text, k);
    return true;
}

bool JsonParser::parse_key(std::string_view bytes, std::string_view single_name, FieldArena& arena,
                           FieldArena::Range& range, bool& is_object, std::string& error) {
    const std::string_view t = trim(bytes);
    is_object = !t.empty() && t.front() == '{';
    if (is_object) return parse_object(bytes, arena, range, error);
    range.first = static_cast<std::uint32_t>(arena.size());
    range.count = 1;
    if (t == "null") {
        arena.push(single_name, JsonKind::null, "");
    } else if (t == "true" || t == "false") {
        arena.push(single_name, JsonKind::boolean, t);
    } else if (is_json_number(t)) {
        arena.push(single_name, JsonKind::number, t);
    } else if (t.size() >= 2 && t.front() == '"' && t.back() == '"') {
        simdjson::ondemand::document doc;
        std::string_view text;
        simdjson::error_code err = impl_->parser.iterate(impl_->pad(t)).get(doc);
        if (!err) err = doc.get_string().get(text);
        if (err) {
            error = std::string("is not a valid JSON string: ") + simdjson::error_message(err);
            return false;
        }
        arena.push(single_name, JsonKind::string, text);
    } else {
        arena.push(single_name, JsonKind::string, bytes);  // a plain-text key
    }
    return true;
}

}  // namespace sluice::sql
