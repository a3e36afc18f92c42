// The dynamodb sink's configuration: declared keys, typed settings, cross-key checks (no I/O).
#pragma once

#include <sluice/aws.hpp>
#include <sluice/sdk.hpp>

#include <string>
#include <vector>

namespace sluice::dynamodb {

struct Settings {
    aws::Connection connection;
    std::string table_format;             // {topic} replaced by the record's topic
    std::vector<std::string> key_fields;  // partition key, then the sort key if the table has one
    int batch_size = 25;                  // items per BatchWriteItem (DynamoDB allows 25)
    bool delete_on_null = true;           // a tombstone deletes the item of its key

    static Settings from(const Config& config);
    std::string table_for(std::string_view topic) const;
};

std::vector<ConfigKey> config_keys();

}  // namespace sluice::dynamodb
