#include "settings.hpp"

namespace sluice::dynamodb {

namespace {

config_kit::Spec<Settings> make_spec() {
    using S = Settings;
    config_kit::Spec<S> k;
    k.key("table.name.format", &S::table_format, "Table the items go to; {topic} is replaced by the record's topic").default_value("{topic}");
    k.key("key.fields", &S::key_fields, "Fields of the record value holding the table's key: the partition key, then the sort key when the table has one (checked against DescribeTable)").required();
    k.key("batch.size", &S::batch_size, "Items per BatchWriteItem request (DynamoDB accepts at most 25)").default_value(25).between(1, 25);
    k.choice("behavior.on.null.values", &S::delete_on_null, {{"delete", true}, {"ignore", false}},
             "A record without value (tombstone): delete (the item of its key, read from the record key) or ignore").default_value(true);
    k.include(aws::connection_spec("dynamodb", "https://dynamodb.{region}.amazonaws.com"),
              [](S& s) -> aws::Connection& { return s.connection; });

    k.check("table.name.format", [](const S& s) {
        const std::string probe = s.table_for("topic");
        return probe.size() < 3 || probe.size() > 255 ||
                       probe.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos
                   ? "table.name.format: a table name is 3 to 255 letters, digits, '_', '.' or '-', got '" + s.table_format + "'"
                   : std::string();
    });
    k.rule("key.fields", "key.fields: give the partition key field, and the sort key field if the table has one",
           [](const S& s) { return s.key_fields.empty() || s.key_fields.size() > 2; });
    k.rule("key.fields", "key.fields: an empty field name", [](const S& s) { return config_kit::any_empty(s.key_fields); });
    return k;
}

}  // namespace

const config_kit::Spec<Settings>& settings_spec() {
    static const config_kit::Spec<Settings> spec = make_spec();
    return spec;
}

Settings Settings::from(const Config& config) {
    Settings s = settings_spec().parse(config);
    aws::use_environment_credentials(s.connection);
    return s;
}

std::string Settings::table_for(std::string_view topic) const {
    std::string out = table_format;
    for (auto at = out.find("{topic}"); at != std::string::npos; at = out.find("{topic}", at + topic.size()))
        out.replace(at, 7, topic);
    return out;
}

}  // namespace sluice::dynamodb
