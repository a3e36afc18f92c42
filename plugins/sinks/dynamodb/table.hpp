// The DynamoDB operations the sink uses (JSON 1.0 protocol, signed by libcurl through
// sluice_aws): DescribeTable for the key schema, BatchWriteItem for the writes.
#pragma once

#include "item.hpp"

#include <sluice/aws.hpp>

#include <functional>
#include <string>
#include <vector>

namespace sluice::dynamodb {

class Service {
public:
    Service(const aws::Connection& connection, std::function<bool()> stopping = {});

    // The table's key (HASH, then RANGE) with attribute types. Throws aws::Failure with
    // DynamoDB's code and message (ResourceNotFoundException for a missing table).
    std::vector<KeyAttribute> describe_key(const std::string& table);
    // One BatchWriteItem of {table: [requests]}; returns UnprocessedItems (an object, empty
    // when everything was written). Throws aws::Failure.
    Json batch_write(const Json& request_items);
    // Any operation (tests and tools): `target` such as "CreateTable".
    Json call(const std::string& target, const Json& body, const std::string& what);

    std::string where() const { return client_.where(); }

private:
    aws::Client client_;
    std::function<bool()> stopping_;
};

}  // namespace sluice::dynamodb
