#include "record_buffer.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sluice::clickhouse;

namespace {
struct Input {
    std::string key, value;
    std::int64_t offset;
    std::vector<std::pair<std::string, std::string>> headers;
};
void add(RecordBuffer& b, const Input& in, bool null_value = false, std::string_view problem = {}) {
    std::vector<sluice_header> hs;
    for (const auto& [k, v] : in.headers) hs.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
    std::vector<const sluice_header*> hp;
    for (auto& h : hs) hp.push_back(&h);
    sluice_record r{};
    r.struct_size = sizeof r;
    r.key = {in.key.data(), in.key.size()};
    r.value = null_value ? sluice_bytes{nullptr, 0} : sluice_bytes{in.value.data(), in.value.size()};
    r.offset = in.offset;
    r.timestamp_ms = 1000 + in.offset;
    r.headers = hp.data();
    r.header_count = hp.size();
    b.add(r, problem);
}
}  // namespace

TEST_CASE("a buffered record comes back whole, after the worker's bytes are gone") {
    RecordBuffer b("t", 2);
    {
        Input in{"k1", "{\"a\":1}", 10, {{"h", "v"}, {"trace", "x"}}};
        add(b, in);
        add(b, Input{"k2", "", 11, {}}, true, "tombstone");
    }  // the inputs are destroyed: the buffer owns copies
    CHECK(b.size() == 2);
    CHECK(b.value(b.begin()) == "{\"a\":1}");
    CHECK(!b.value(b.begin() + 1));
    CHECK(b.state(b.begin() + 1) == RowState::rejected);
    CHECK(b.reject_reason(b.begin() + 1) == "tombstone");

    std::vector<sluice_header> hs;
    std::vector<const sluice_header*> hp;
    sluice_record r = b.record(b.begin(), hs, hp);
    CHECK(std::string(r.topic.data, r.topic.size) == "t");
    CHECK(r.partition == 2);
    CHECK(r.offset == 10);
    CHECK(r.timestamp_ms == 1010);
    CHECK(std::string(r.key.data, r.key.size) == "k1");
    CHECK(std::string(r.value.data, r.value.size) == "{\"a\":1}");
    REQUIRE(r.header_count == 2);
    CHECK(std::string(r.headers[1]->key.data, r.headers[1]->key.size) == "trace");
    CHECK(std::string(r.headers[1]->value.data, r.headers[1]->value.size) == "x");
    sluice_record tomb = b.record(b.begin() + 1, hs, hp);
    CHECK(tomb.value.data == nullptr);
    CHECK(tomb.header_count == 0);
}

TEST_CASE("settled rows leave from the front; rows already stored are skipped by offset") {
    RecordBuffer b("t", 0);
    for (int i = 0; i < 5; ++i) add(b, Input{"", "{\"i\":" + std::to_string(i) + "}", 100 + i, {}});
    const std::size_t all = b.bytes();
    CHECK(b.drop_through(101) == 2);
    CHECK(b.size() == 3);
    CHECK(b.offset(b.begin()) == 102);
    CHECK(b.bytes() < all);
    CHECK(b.drop_through(50) == 0);
    b.mark_inserted(b.begin());
    b.drop_front(1);
    CHECK(b.offset(b.begin()) == 103);
    CHECK(b.drop_through(1000) == 2);
    CHECK(b.empty());
    CHECK(b.bytes() == 0);
    CHECK(b.begin() == 0);  // storage released
}
