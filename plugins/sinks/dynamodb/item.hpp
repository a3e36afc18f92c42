// JSON values as DynamoDB items: numbers as N, strings S, booleans BOOL, null NULL, objects
// M, arrays L (recursively); and the table's key read from a record, checked against the
// key schema DescribeTable gave (attribute names and S/N/B types).
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::dynamodb {

using Json = nlohmann::json;

// A record that cannot become an item (the message says why).
class ItemError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct KeyAttribute {
    std::string name;
    std::string type;  // "S", "N" or "B"
};

// The AttributeValue of a JSON value.
Json attribute_value(const Json& value);
// The item of a record value: a JSON object whose fields become attributes. Checks the key
// attributes are there with the key schema's types, and DynamoDB's 400 KB item limit.
Json item_of(const Json& value, const std::vector<KeyAttribute>& key);
// The key of a record without value (a delete), from its Kafka key: a JSON object holding
// the key fields, or, for a one-attribute key, the bare value (JSON, or plain text for S).
Json key_of_record_key(std::string_view record_key, const std::vector<KeyAttribute>& key);
// The key attributes of an item (to find two requests for the same item in one batch).
std::string key_identity(const Json& item_or_key, const std::vector<KeyAttribute>& key);

}  // namespace sluice::dynamodb
