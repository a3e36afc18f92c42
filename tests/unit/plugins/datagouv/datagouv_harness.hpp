// Drives the datagouv source through its C ABI like the worker does, with the harness's
// FakeHost (its report_errant enabled where a case needs an error policy).
#pragma once

#include "sdk_harness.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sluice::testing {

// The datagouv source through the ABI; a poll waits 50 ms unless told.
class DatagouvUnderTest : public SourceUnderTest {
public:
    DatagouvUnderTest(std::map<std::string, std::string> config, FakeHost& host)
        : SourceUnderTest("datagouv", std::move(config), host) {}
    CallResult poll(CapturingWriter& out, int32_t timeout_ms = 50) { return SourceUnderTest::poll(out, timeout_ms); }
    static CallResult test(std::map<std::string, std::string> config, FakeHost& host) {
        return SourceUnderTest::test("datagouv", std::move(config), host);
    }
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A temporary file holding `bytes`, rewound (for the parsers' ByteStream).
struct TempBytes {
    explicit TempBytes(const std::string& bytes) : file(std::tmpfile()) {
        std::fwrite(bytes.data(), 1, bytes.size(), file);
        std::rewind(file);
    }
    ~TempBytes() { std::fclose(file); }
    TempBytes(const TempBytes&) = delete;
    TempBytes& operator=(const TempBytes&) = delete;
    std::FILE* file;
};

}  // namespace sluice::testing
