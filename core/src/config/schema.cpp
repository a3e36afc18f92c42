#include "config/schema.hpp"

#include "common/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace sluice::config {

KeyDef key_def(std::string name, ValueType type, std::string doc, std::optional<std::string> default_text) {
    KeyDef k;
    k.name = std::move(name);
    k.type = type;
    k.doc = std::move(doc);
    k.default_text = std::move(default_text);
    return k;
}

std::string_view type_name(ValueType type) {
    switch (type) {
    case ValueType::string: return "string";
    case ValueType::integer: return "integer";
    case ValueType::number: return "number";
    case ValueType::boolean: return "boolean";
    case ValueType::list: return "list";
    case ValueType::map: return "map";
    case ValueType::json: return "json";
    }
    return "?";
}

namespace {

std::string number_text(double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

std::string article(ValueType t) {
    switch (t) {
    case ValueType::integer: return "an integer";
    case ValueType::number: return "a number";
    case ValueType::boolean: return "true or false";
    case ValueType::list: return "a list";
    case ValueType::map: return "a map";
    case ValueType::json: return "a value";
    case ValueType::string: return "a string";
    }
    return "a value";
}

}  // namespace

std::string KeyDef::constraint() const {
    if (!allowed.empty()) return "one of " + text::join(allowed, ", ");
    if (min && max) return "between " + number_text(*min) + " and " + number_text(*max);
    if (min) return ">= " + number_text(*min);
    if (max) return "<= " + number_text(*max);
    return "";
}

std::string KeyDef::expectation() const {
    if (!allowed.empty()) return constraint();
    std::string c = constraint();
    return c.empty() ? article(type) : article(type) + " " + c;
}

const KeyDef* Schema::find(std::string_view name) const {
    for (const auto& k : keys_)
        if (k.name == name) return &k;
    return nullptr;
}

const KeyDef* Schema::find_former(std::string_view name) const {
    for (const auto& k : keys_)
        if (std::find(k.aliases.begin(), k.aliases.end(), name) != k.aliases.end()) return &k;
    return nullptr;
}

bool Schema::has_prefix(std::string_view prefix) const {
    std::string p = std::string(prefix) + ".";
    return std::any_of(keys_.begin(), keys_.end(), [&](const KeyDef& k) { return text::starts_with(k.name, p); });
}

std::vector<std::string> Schema::names() const {
    std::vector<std::string> out;
    for (const auto& k : keys_) out.push_back(k.name);
    return out;
}

std::optional<std::string> convert_scalar(const KeyDef& def, const std::string& raw, Value& out, std::string_view shown_as) {
    out.type = def.type;
    out.secret = def.secret;
    const bool hidden = def.secret || !shown_as.empty();
    const std::string got = def.secret && shown_as.empty() ? std::string("the secret value (not shown)")
                            : hidden                      ? std::string(shown_as)
                                                          : text::shown(raw);
    auto range_error = [&](double v) -> std::optional<std::string> {
        if ((def.min && v < *def.min) || (def.max && v > *def.max)) return "expected " + def.expectation() + ", got " + got;
        return std::nullopt;
    };
    switch (def.type) {
    case ValueType::string: {
        if (!def.allowed.empty() && std::find(def.allowed.begin(), def.allowed.end(), raw) == def.allowed.end()) {
            std::string hint = hidden ? "" : text::closest(raw, def.allowed);
            return "expected one of " + text::join(def.allowed, ", ") + ", got " + got +
                   (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
        }
        out.text = raw;
        out.json = nlohmann::json(raw).dump();
        return std::nullopt;
    }
    case ValueType::integer: {
        std::string_view t = text::trim(raw);
        if (!t.empty() && t.front() == '+') t.remove_prefix(1);
        long long v = 0;
        auto res = std::from_chars(t.data(), t.data() + t.size(), v);
        if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size())
            return "expected " + def.expectation() + ", got " + got;
        if (auto e = range_error(static_cast<double>(v))) return e;
        out.text = std::to_string(v);
        out.json = out.text;
        return std::nullopt;
    }
    case ValueType::number: {
        std::string t(text::trim(raw));
        char* end = nullptr;
        double v = t.empty() ? 0 : std::strtod(t.c_str(), &end);
        if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(v))
            return "expected " + def.expectation() + ", got " + got;
        if (auto e = range_error(v)) return e;
        out.text = number_text(v);
        out.json = out.text;
        return std::nullopt;
    }
    case ValueType::boolean: {
        std::string t(text::trim(raw));
        std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
        if (t != "true" && t != "false") return "expected true or false, got " + got;
        out.text = t;
        out.json = t;
        return std::nullopt;
    }
    case ValueType::list: {
        // A scalar list is Kafka Connect's comma-separated spelling.
        out.items.clear();
        if (!text::trim(raw).empty())
            for (auto& item : text::split(raw, ',')) out.items.emplace_back(text::trim(item));
        out.text = text::join(out.items, ",");
        out.json = nlohmann::json(out.items).dump();
        return std::nullopt;
    }
    case ValueType::map: {
        // A scalar map must be JSON text (the REST spelling).
        auto j = nlohmann::json::parse(raw, nullptr, false);
        if (j.is_discarded() || !j.is_object()) return "expected a map, got " + got;
        out.items.clear();
        for (auto& [k, v] : j.items()) {
            out.items.push_back(k);
            out.items.push_back(v.is_string() ? v.get<std::string>() : v.dump());
        }
        out.text = j.dump();
        out.json = out.text;
        return std::nullopt;
    }
    case ValueType::json: {
        auto j = nlohmann::json::parse(raw, nullptr, false);
        if (j.is_discarded()) j = raw;  // a plain scalar is a JSON string
        out.text = j.dump();
        out.json = out.text;
        return std::nullopt;
    }
    }
    return "unsupported type";
}

std::vector<std::string> masked_texts(const Resolved& values) {
    std::vector<std::string> out;
    for (const auto& [key, v] : values) {
        if (!v.masked()) continue;
        out.push_back(v.text);
        out.insert(out.end(), v.items.begin(), v.items.end());
    }
    return out;
}

Value default_value(const KeyDef& def) {
    Value v;
    if (def.default_text) {
        if (auto error = convert_scalar(def, *def.default_text, v)) {
            // A bad default is the declarer's bug; keep the text so it stays visible.
            v.text = *def.default_text;
            v.json = nlohmann::json(v.text).dump();
        }
    }
    v.type = def.type;
    v.secret = def.secret;
    v.defaulted = true;
    return v;
}

const Value* find_value(const Resolved& values, const std::string& name) {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
}

}  // namespace sluice::config
