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
    int batch_size = 0;                   // items per BatchWriteItem (DynamoDB allows 25)
    bool delete_on_null = false;          // a tombstone deletes the item of its key

    // Reads and cross-checks the settings; throws FatalError naming the key at fault.
    static Settings from(const Config& config);
    std::string table_for(std::string_view topic) const;
};

// Every key, the parse into Settings and the cross-key rules (validate()).
const config_kit::Spec<Settings>& settings_spec();
inline std::vector<ConfigKey> config_keys() { return settings_spec().keys(); }

}  // namespace sluice::dynamodb
