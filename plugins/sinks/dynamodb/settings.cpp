#include "settings.hpp"

namespace sluice::dynamodb {

std::vector<ConfigKey> config_keys() {
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::string("table.name.format", "Table the items go to; {topic} is replaced by the record's topic")
                    .default_value("{topic}"));
    k.push_back(ConfigKey::list("key.fields", "Fields of the record value holding the table's key: the partition key, then "
                                              "the sort key when the table has one (checked against DescribeTable)")
                    .required());
    k.push_back(ConfigKey::integer("batch.size", "Items per BatchWriteItem request (DynamoDB accepts at most 25)")
                    .default_value("25")
                    .between(1, 25));
    k.push_back(ConfigKey::string("behavior.on.null.values", "A record without value (tombstone): delete (the item of its "
                                                             "key, read from the record key) or ignore")
                    .default_value("delete")
                    .one_of({"delete", "ignore"}));
    for (auto& key : aws::connection_keys()) k.push_back(std::move(key));
    return k;
}

Settings Settings::from(const Config& config) {
    Settings s;
    s.connection = aws::connection_from(config, "dynamodb", "https://dynamodb.{region}.amazonaws.com");
    s.table_format = config.string("table.name.format");
    const std::string probe = s.table_for("topic");
    if (probe.size() < 3 || probe.size() > 255 ||
        probe.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
        throw FatalError("table.name.format: a table name is 3 to 255 letters, digits, '_', '.' or '-', got '" +
                         s.table_format + "'");
    s.key_fields = config.list("key.fields");
    if (s.key_fields.empty() || s.key_fields.size() > 2)
        throw FatalError("key.fields: give the partition key field, and the sort key field if the table has one");
    for (const auto& f : s.key_fields)
        if (f.empty()) throw FatalError("key.fields: an empty field name");
    s.batch_size = static_cast<int>(config.integer("batch.size"));
    s.delete_on_null = config.string("behavior.on.null.values") == "delete";
    return s;
}

std::string Settings::table_for(std::string_view topic) const {
    std::string out = table_format;
    for (auto at = out.find("{topic}"); at != std::string::npos; at = out.find("{topic}", at + topic.size()))
        out.replace(at, 7, topic);
    return out;
}

}  // namespace sluice::dynamodb
