#include "object_body.hpp"

#include "http_test_server.hpp"

#include <doctest/doctest.h>

using sluice::s3::ObjectBody;

TEST_CASE("an object body: JSON lines with their offsets and times; gzip gives back the same lines") {
    std::string expected;
    ObjectBody plain(false, -1), zipped(true, 6);
    for (int i = 0; i < 5000; ++i) {
        const std::string line = "{\"seq\":" + std::to_string(i) + ",\"road\":\"A" + std::to_string(i % 9) + "\"}";
        plain.append(line, 100 + i, 1000 * i);
        zipped.append(line, 100 + i, 1000 * i);
        expected += line + "\n";
    }
    plain.finish();
    zipped.finish();
    CHECK(plain.bytes() == expected);
    CHECK(sluice::testing::gunzip(zipped.bytes()) == expected);
    CHECK(zipped.bytes().size() < expected.size() / 4);
    CHECK(zipped.records() == 5000);
    CHECK(zipped.first_offset() == 100);
    CHECK(zipped.last_offset() == 5099);
    CHECK(zipped.first_time_ms() == 0);
    CHECK(zipped.raw_bytes() == static_cast<std::int64_t>(expected.size()));
}
