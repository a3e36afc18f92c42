#include "table.hpp"

namespace sluice::dynamodb {

Service::Service(const aws::Connection& connection, std::function<bool()> stopping)
    : client_(connection), stopping_(std::move(stopping)) {}

Json Service::call(const std::string& target, const Json& body, const std::string& what) {
    http::Request r;
    r.method = "POST";
    r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    r.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
    r.headers.push_back({"X-Amz-Target", "DynamoDB_20120810." + target});
    auto answer = client_.send(std::move(r), "/", what, {}, stopping_);
    Json parsed = Json::parse(answer.body, nullptr, false);
    if (parsed.is_discarded())
        throw aws::Failure(what + " at " + where() + ": the answer is not JSON: " + answer.body.substr(0, 200), true);
    return parsed;
}

std::vector<KeyAttribute> Service::describe_key(const std::string& table) {
    const std::string what = "DescribeTable " + table;
    const Json answer = call("DescribeTable", Json{{"TableName", table}}, what);
    const Json& t = answer.value("Table", Json::object());
    std::vector<KeyAttribute> key;
    for (const char* kind : {"HASH", "RANGE"})
        for (const auto& k : t.value("KeySchema", Json::array()))
            if (k.value("KeyType", "") == kind) key.push_back({k.value("AttributeName", ""), ""});
    for (auto& k : key)
        for (const auto& d : t.value("AttributeDefinitions", Json::array()))
            if (d.value("AttributeName", "") == k.name) k.type = d.value("AttributeType", "");
    if (key.empty()) throw aws::Failure(what + " at " + where() + ": the answer has no KeySchema", true);
    return key;
}

Json Service::batch_write(const Json& request_items) {
    const Json answer = call("BatchWriteItem", Json{{"RequestItems", request_items}}, "BatchWriteItem");
    return answer.value("UnprocessedItems", Json::object());
}

}  // namespace sluice::dynamodb
