// The records a sink task holds: bytes copied out of the worker's batch, handed back whole
// (key, value, headers, coordinates) for the error policy, partitions dropped and appended
// in order.
#include <sluice/sql/sink_buffer.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sluice::sql;

namespace {

// Adds one record; its bytes live only during the call, as the worker's do.
void add(SinkBuffer& b, const std::string& topic, int32_t partition, int64_t offset, std::optional<std::string> value,
         std::optional<std::string> key = std::nullopt, std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::vector<sluice_header> hs;
    for (auto& [k, v] : headers) hs.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
    std::vector<const sluice_header*> ptrs;
    for (auto& h : hs) ptrs.push_back(&h);
    sluice_record r{};
    r.struct_size = sizeof r;
    r.topic = {topic.data(), topic.size()};
    r.partition = partition;
    r.offset = offset;
    r.timestamp_ms = 1000 + offset;
    r.key = key ? sluice_bytes{key->data(), key->size()} : sluice_bytes{nullptr, 0};
    r.value = value ? sluice_bytes{value->data(), value->size()} : sluice_bytes{nullptr, 0};
    r.headers = ptrs.empty() ? nullptr : ptrs.data();
    r.header_count = ptrs.size();
    b.add(r);
    if (value) std::fill(value->begin(), value->end(), 'x');  // the worker's bytes are gone after the call
}

}  // namespace

TEST_CASE("records come back as they were given, headers and nulls included") {
    SinkBuffer b;
    add(b, "t", 0, 7, std::string("{\"a\":1}"), std::string("k"), {{"h", "v"}});
    add(b, "t", 1, 3, std::nullopt);
    REQUIRE(b.size() == 2);
    CHECK(b.value(0) == "{\"a\":1}");
    CHECK(b.key(0) == "k");
    CHECK(!b.value(1));
    CHECK(!b.key(1));
    CHECK(b.where(1) == "t[1]@3");
    std::vector<sluice_header> headers;
    std::vector<const sluice_header*> pointers;
    const sluice_record r = b.record(0, headers, pointers);
    REQUIRE(r.header_count == 1);
    CHECK(std::string(r.headers[0]->key.data, r.headers[0]->key.size) == "h");
    CHECK(std::string(r.headers[0]->value.data, r.headers[0]->value.size) == "v");
    CHECK(r.timestamp_ms == 1007);
    CHECK(b.first_offsets() == std::map<PartitionKey, int64_t>{{{"t", 0}, 7}, {{"t", 1}, 3}});
}

TEST_CASE("revoked partitions are dropped, the rest keeps its order and reported marks") {
    SinkBuffer b;
    for (int i = 0; i < 6; ++i) add(b, "t", i % 2, i, "{\"i\":" + std::to_string(i) + "}");
    b.mark_reported(2);
    b.drop({{"t", 1}});
    REQUIRE(b.size() == 3);
    CHECK(b.offset(0) == 0);
    CHECK(b.offset(1) == 2);
    CHECK(b.reported(1));
    CHECK(b.offset(2) == 4);
    CHECK(b.last_offsets() == std::map<PartitionKey, int64_t>{{{"t", 0}, 4}});
}

TEST_CASE("a failed background batch goes back in front of the newer records") {
    SinkBuffer older, newer;
    add(older, "t", 0, 0, std::string("{}"));
    add(older, "t", 0, 1, std::string("{}"));
    older.mark_reported(1);
    add(newer, "t", 0, 2, std::string("{}"));
    older.append(std::move(newer));
    REQUIRE(older.size() == 3);
    CHECK(older.offset(2) == 2);
    CHECK(older.reported(1));
    CHECK(!older.reported(2));
    CHECK(newer.empty());
}
