#include "item.hpp"

namespace sluice::dynamodb {
namespace {

constexpr std::size_t max_item_bytes = 400 * 1024;

Json key_attribute(const Json& value, const KeyAttribute& k, const char* where) {
    if (value.is_null()) throw ItemError(std::string("the key field '") + k.name + "' is null " + where);
    if (k.type == "S") {
        if (!value.is_string()) throw ItemError("the key field '" + k.name + "' must be a string (the table's key is of type S), got " + value.dump());
        if (value.get_ref<const std::string&>().empty()) throw ItemError("the key field '" + k.name + "' is an empty string");
        return Json{{"S", value}};
    }
    if (k.type == "N") {
        if (!value.is_number()) throw ItemError("the key field '" + k.name + "' must be a number (the table's key is of type N), got " + value.dump());
        return attribute_value(value);
    }
    throw ItemError("the key attribute '" + k.name + "' is of type B (binary), which JSON records cannot give");
}

}  // namespace

Json attribute_value(const Json& value) {
    switch (value.type()) {
    case Json::value_t::null: return Json{{"NULL", true}};
    case Json::value_t::boolean: return Json{{"BOOL", value.get<bool>()}};
    case Json::value_t::number_integer: return Json{{"N", std::to_string(value.get<std::int64_t>())}};
    case Json::value_t::number_unsigned: return Json{{"N", std::to_string(value.get<std::uint64_t>())}};
    case Json::value_t::number_float: return Json{{"N", value.dump()}};
    case Json::value_t::string: return Json{{"S", value}};
    case Json::value_t::array: {
        Json list = Json::array();
        for (const auto& v : value) list.push_back(attribute_value(v));
        return Json{{"L", std::move(list)}};
    }
    case Json::value_t::object: {
        Json map = Json::object();
        for (auto it = value.begin(); it != value.end(); ++it) map[it.key()] = attribute_value(it.value());
        return Json{{"M", std::move(map)}};
    }
    default: throw ItemError("a value of a type JSON does not have");
    }
}

Json item_of(const Json& value, const std::vector<KeyAttribute>& key) {
    if (!value.is_object()) throw ItemError("its value is not a JSON object (an item is a set of named attributes)");
    Json item = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) item[it.key()] = attribute_value(it.value());
    for (const auto& k : key) {
        auto it = value.find(k.name);
        if (it == value.end()) throw ItemError("its value has no key field '" + k.name + "'");
        item[k.name] = key_attribute(*it, k, "in its value");
    }
    if (item.dump().size() > max_item_bytes)
        throw ItemError("the item is larger than DynamoDB's 400 KB limit (" + std::to_string(item.dump().size()) + " bytes)");
    return item;
}

Json key_of_record_key(std::string_view record_key, const std::vector<KeyAttribute>& key) {
    Json parsed = Json::parse(record_key, nullptr, false);
    Json out = Json::object();
    if (parsed.is_object()) {
        for (const auto& k : key) {
            auto it = parsed.find(k.name);
            if (it == parsed.end()) throw ItemError("its key (" + std::string(record_key.substr(0, 200)) + ") has no field '" + k.name + "'");
            out[k.name] = key_attribute(*it, k, "in its key");
        }
        return out;
    }
    if (key.size() != 1)
        throw ItemError("its key is not a JSON object with the fields of the table's two-attribute key");
    // A bare key: JSON (42, "AF123") or, for a string key, the text as it is.
    if (parsed.is_discarded() || (key[0].type == "S" && !parsed.is_string())) parsed = std::string(record_key);
    out[key[0].name] = key_attribute(parsed, key[0], "in its key");
    return out;
}

std::string key_identity(const Json& item_or_key, const std::vector<KeyAttribute>& key) {
    std::string id;
    for (const auto& k : key) {
        id += item_or_key.at(k.name).dump();
        id.push_back('\x1f');
    }
    return id;
}

}  // namespace sluice::dynamodb
