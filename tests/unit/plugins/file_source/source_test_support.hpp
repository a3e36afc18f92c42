// Shared helpers for driving the file source through its ABI in a temporary directory.
#pragma once

#include "sdk_harness.hpp"
#include "temp_dir.hpp"

#include <sluice/sdk.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace file_source_test {

using sluice::testing::CapturedRecord;
using sluice::testing::CapturingWriter;
using sluice::testing::FakeHost;
using sluice::testing::SourceUnderTest;

inline std::string partition_of(const std::string& path) {
    return sluice::json::Object().add("filename", path).str();
}

inline std::string offset_at(std::uint64_t position) {
    return sluice::json::Object().add("position", static_cast<std::int64_t>(position)).str();
}

inline std::uint64_t position_of(const CapturedRecord& record) {
    auto fields = sluice::json::parse_flat(record.source_offset);
    REQUIRE(fields);
    REQUIRE(fields->count("position") == 1);
    return std::stoull(fields->at("position"));
}

// Polls with a zero timeout until a poll returns nothing; every poll must succeed.
inline std::vector<CapturedRecord> drain(SourceUnderTest& source, std::size_t max_records = 1000) {
    std::vector<CapturedRecord> all;
    while (true) {
        CapturingWriter out(max_records);
        auto result = source.poll(out, 0);
        REQUIRE_MESSAGE(result.status == SLUICE_OK, result.message);
        if (out.records.empty()) return all;
        for (auto& r : out.records) all.push_back(std::move(r));
    }
}

inline std::vector<std::string> values_of(const std::vector<CapturedRecord>& records) {
    std::vector<std::string> values;
    for (const auto& r : records) values.push_back(r.value.value_or("<null>"));
    return values;
}

inline bool logged(const FakeHost& host, sluice_log_level level, const std::string& part) {
    for (const auto& [l, message] : host.logs)
        if (l == level && message.find(part) != std::string::npos) return true;
    return false;
}

// Every record's position is the byte right after a line terminator of `content`, the
// positions grow, and the last one is where the last record ends.
inline void check_positions_follow_terminators(const std::vector<CapturedRecord>& records, const std::string& content) {
    std::uint64_t previous = 0;
    for (const auto& r : records) {
        const std::uint64_t position = position_of(r);
        CHECK(position > previous);
        REQUIRE(position <= content.size());
        CHECK(content[position - 1] == '\n');
        previous = position;
    }
}

}  // namespace file_source_test
