#include "runtime/source_batch.hpp"

#include <doctest/doctest.h>

#include <cstring>

using sluice::runtime::SourceBatch;

namespace {
sluice_bytes b(const char* s) { return {s, std::strlen(s)}; }

sluice_status append(SourceBatch& batch, const sluice_record& r, std::string* message = nullptr) {
    char buf[256] = "";
    sluice_error err{buf, sizeof buf, -1};
    auto* w = batch.writer();
    sluice_status s = w->append(w->opaque, &r, &err);
    if (message) *message = buf;
    return s;
}

sluice_record record() {
    sluice_record r{};
    r.struct_size = sizeof r;
    r.timestamp_ms = SLUICE_NO_TIMESTAMP;
    r.partition = SLUICE_ANY_PARTITION;
    return r;
}
}  // namespace

TEST_CASE("records are copied: the plugin may reuse its buffers") {
    SourceBatch batch(10);
    char key[] = "k1";
    char value[] = "v1";
    sluice_record r = record();
    r.key = {key, 2};
    r.value = {value, 2};
    r.source_partition = b("{\"p\":1}");
    r.source_offset = b("{\"o\":1}");
    r.timestamp_ms = 1234;
    REQUIRE(append(batch, r) == SLUICE_OK);
    std::memcpy(key, "XX", 2);
    std::memcpy(value, "YY", 2);
    REQUIRE(batch.size() == 1);
    CHECK(batch.view(batch[0].key) == "k1");
    CHECK(batch.view(batch[0].value) == "v1");
    CHECK(batch.view(batch[0].source_offset) == "{\"o\":1}");
    CHECK(batch[0].timestamp_ms == 1234);
    CHECK(batch[0].topic.null);
}

TEST_CASE("null and empty stay different") {
    SourceBatch batch(10);
    sluice_record r = record();
    r.value = {"", 0};
    REQUIRE(append(batch, r) == SLUICE_OK);
    CHECK(batch[0].key.null);
    CHECK_FALSE(batch[0].value.null);
    CHECK(batch[0].value.size == 0);
    CHECK(batch.data(batch[0].key) == nullptr);
}

TEST_CASE("headers are kept in order") {
    SourceBatch batch(10);
    sluice_header h1{b("a"), b("1")}, h2{b("b"), {nullptr, 0}};
    const sluice_header* hs[] = {&h1, &h2};
    sluice_record r = record();
    r.headers = hs;
    r.header_count = 2;
    REQUIRE(append(batch, r) == SLUICE_OK);
    REQUIRE(batch[0].header_count == 2);
    CHECK(batch.view(batch.header(batch[0].header_begin).key) == "a");
    CHECK(batch.view(batch.header(batch[0].header_begin).value) == "1");
    CHECK(batch.header(batch[0].header_begin + 1).value.null);
}

TEST_CASE("malformed records are refused with a reason") {
    SourceBatch batch(10);
    std::string message;
    sluice_record r = record();
    r.value = {nullptr, 5};
    CHECK(append(batch, r, &message) == SLUICE_ERROR);
    CHECK(message == "value has a size but no data");

    r = record();
    r.source_partition = b("{}");
    CHECK(append(batch, r, &message) == SLUICE_ERROR);
    CHECK(message.find("both source_partition and source_offset") != std::string::npos);

    r = record();
    r.header_count = 1;
    CHECK(append(batch, r, &message) == SLUICE_ERROR);

    r = record();
    r.struct_size = 4;
    CHECK(append(batch, r, &message) == SLUICE_ERROR);
    CHECK(batch.empty());
}

TEST_CASE("an older plugin's smaller record is read up to its size") {
    SourceBatch batch(10);
    sluice_record r = record();
    r.value = b("v");
    r.timestamp_ms = 99;
    r.source_partition = b("{}");  // beyond the declared size: must be ignored
    r.struct_size = offsetof(sluice_record, timestamp_ms) + sizeof(r.timestamp_ms);
    REQUIRE(append(batch, r) == SLUICE_OK);
    CHECK(batch[0].timestamp_ms == 99);
    CHECK(batch[0].source_partition.null);
    CHECK(batch[0].header_count == 0);
}
