// The file sink, driven through the ABI in a temporary directory.
#include "json_validator.hpp"
#include "sdk_harness.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using sluice::file_sink::is_valid_json;
using sluice::testing::FakeHost;
using sluice::testing::read_file;
using sluice::testing::SinkInput;
using sluice::testing::SinkUnderTest;
using sluice::testing::TempDir;
using sluice::testing::write_file;

namespace {

std::vector<std::string> lines_of(const std::string& content) {
    std::vector<std::string> lines;
    std::istringstream in(content);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

SinkInput value(std::optional<std::string> v, int64_t offset = 0) {
    SinkInput in;
    in.value = std::move(v);
    in.offset = offset;
    return in;
}

sluice::testing::CallResult flush(SinkUnderTest& sink) {
    std::vector<sluice_topic_partition> positions{{"topic", 0, 42}};
    auto result = sink.flush(positions);
    CHECK(positions[0].offset == 42); // everything put is durable: nothing to lower
    return result;
}

bool logged(const FakeHost& host, sluice_log_level level, const std::string& part) {
    for (const auto& [l, message] : host.logs)
        if (l == level && message.find(part) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("file sink: declared as one task with a required path") {
    const auto& d = sluice::testing::descriptor(SLUICE_KIND_SINK, "file");
    CHECK(d.max_tasks == 1);
    const auto* path = sluice::testing::config_def(d, "path");
    REQUIRE(path != nullptr);
    CHECK((path->flags & SLUICE_CONFIG_REQUIRED) != 0);
    const auto* format = sluice::testing::config_def(d, "format");
    REQUIRE(format != nullptr);
    CHECK(std::string(format->default_value) == "value");
    CHECK(format->allowed_count == 3);
    const auto* buffer = sluice::testing::config_def(d, "buffer.bytes");
    REQUIRE(buffer != nullptr);
    CHECK(std::string(buffer->default_value) == "1048576");
}

TEST_CASE("file sink: value format writes one JSON document per line") {
    TempDir dir;
    const std::string path = dir.file("out.jsonl");
    FakeHost host;
    {
        SinkUnderTest sink("file", {{"path", path}}, host);
        REQUIRE_MESSAGE(sink.ok(), sink.created.message);
        auto put = sink.put({value(R"({"a":1})"), value("plain text"), value(std::nullopt), value("[1, 2]"),
                             value("multi\nline"), value("{\n  \"pretty\": true\n}")});
        REQUIRE_MESSAGE(put.status == SLUICE_OK, put.message);
        REQUIRE(flush(sink).status == SLUICE_OK);
    }
    CHECK(read_file(path) == "{\"a\":1}\n"
                             "\"plain text\"\n"
                             "null\n"
                             "[1, 2]\n"
                             "\"multi\\nline\"\n"
                             "{   \"pretty\": true }\n");
}

TEST_CASE("file sink: envelope format carries the record's coordinates") {
    TempDir dir;
    const std::string path = dir.file("env.jsonl");
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}, {"format", "envelope"}}, host);
    SinkInput a;
    a.topic = "raw.lines";
    a.partition = 2;
    a.offset = 17;
    a.timestamp_ms = 1700000000123;
    a.key = "A12";
    a.value = R"({"flow":40})";
    SinkInput b;
    b.topic = "raw.lines";
    b.offset = 18;
    b.key = R"({"id":1})";
    REQUIRE(sink.put({a, b}).status == SLUICE_OK);
    REQUIRE(flush(sink).status == SLUICE_OK);
    CHECK(read_file(path) ==
          R"({"topic":"raw.lines","partition":2,"offset":17,"timestamp":1700000000123,"key":"A12","value":{"flow":40}})"
          "\n"
          R"({"topic":"raw.lines","partition":0,"offset":18,"timestamp":null,"key":{"id":1},"value":null})"
          "\n");
}

TEST_CASE("file sink: raw format writes value bytes and LF, unchecked") {
    TempDir dir;
    const std::string path = dir.file("raw.txt");
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}, {"format", "raw"}}, host);
    REQUIRE(sink.put({value("a,b,c"), value(std::nullopt), value(std::string("\x01\xFF", 2))}).status == SLUICE_OK);
    REQUIRE(flush(sink).status == SLUICE_OK);
    CHECK(read_file(path) == std::string("a,b,c\n\n\x01\xFF\n", 10));
}

TEST_CASE("file sink: every line stays valid JSON, whatever the bytes") {
    TempDir dir;
    const std::string path = dir.file("mixed.jsonl");
    FakeHost host;
    const std::vector<std::string> nasty{std::string("\x00\x01\x02", 3), "\xFF\xFE binary", "caf\xE9 latin-1",
                                         "\r\n", "\"unterminated", "{\"a\":\"\xC3\"}", "12abc", "", " ", "\n\n\n",
                                         "{\"a\":1}\n{\"b\":2}", "\xE2\x80\xA8 separator"};
    for (const char* format : {"value", "envelope"}) {
        CAPTURE(format);
        std::filesystem::remove(path);
        SinkUnderTest sink("file", {{"path", path}, {"format", format}}, host);
        std::vector<SinkInput> inputs;
        for (const auto& bytes : nasty) {
            SinkInput in;
            in.key = bytes;
            in.value = bytes;
            inputs.push_back(in);
        }
        REQUIRE(sink.put(inputs).status == SLUICE_OK);
        REQUIRE(flush(sink).status == SLUICE_OK);
        const std::string content = read_file(path);
        auto lines = lines_of(content);
        REQUIRE(lines.size() == nasty.size());
        for (const auto& line : lines) {
            CAPTURE(line);
            CHECK(is_valid_json(line));
        }
    }
}

TEST_CASE("file sink: put buffers in memory, flush makes the data visible") {
    TempDir dir;
    const std::string path = dir.file("buffered.jsonl");
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}}, host);
    REQUIRE(sink.put({value("1"), value("2")}).status == SLUICE_OK);
    CHECK(read_file(path).empty());
    REQUIRE(flush(sink).status == SLUICE_OK);
    CHECK(read_file(path) == "1\n2\n");
    REQUIRE(flush(sink).status == SLUICE_OK); // nothing new: still fine
    CHECK(read_file(path) == "1\n2\n");
}

TEST_CASE("file sink: a full buffer is written in whole lines before flush") {
    TempDir dir;
    const std::string path = dir.file("many.jsonl");
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}, {"buffer.bytes", "1000"}}, host);
    std::vector<std::string> expected;
    for (int batch = 0; batch < 20; ++batch) {
        std::vector<SinkInput> inputs;
        for (int i = 0; i < 50; ++i) {
            const std::string v = "{\"n\":" + std::to_string(batch * 50 + i) + ",\"pad\":\"" +
                                  std::string(static_cast<std::size_t>(i % 7) * 11, 'p') + "\"}";
            expected.push_back(v);
            inputs.push_back(value(v));
        }
        REQUIRE(sink.put(inputs).status == SLUICE_OK);
        const std::string partial = read_file(path);
        CHECK(!partial.empty());
        CHECK(partial.back() == '\n'); // never half a line
        auto lines = lines_of(partial);
        CHECK(lines.size() <= expected.size());
        for (std::size_t i = 0; i < lines.size(); ++i) CHECK(lines[i] == expected[i]);
    }
    REQUIRE(flush(sink).status == SLUICE_OK);
    CHECK(lines_of(read_file(path)) == expected);
}

TEST_CASE("file sink: buffer.bytes 0 writes every put at once") {
    TempDir dir;
    const std::string path = dir.file("direct.jsonl");
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}, {"buffer.bytes", "0"}}, host);
    REQUIRE(sink.put({value("true")}).status == SLUICE_OK);
    CHECK(read_file(path) == "true\n");
}

TEST_CASE("file sink: destroy writes what is buffered") {
    TempDir dir;
    const std::string path = dir.file("destroy.jsonl");
    FakeHost host;
    {
        SinkUnderTest sink("file", {{"path", path}}, host);
        REQUIRE(sink.put({value("\"last words\"")}).status == SLUICE_OK);
        CHECK(read_file(path).empty());
    }
    CHECK(read_file(path) == "\"last words\"\n");
}

TEST_CASE("file sink: appends to an existing file") {
    TempDir dir;
    const std::string path = dir.file("existing.jsonl");
    write_file(path, "{\"old\":true}\n");
    FakeHost host;
    {
        SinkUnderTest sink("file", {{"path", path}}, host);
        REQUIRE(sink.put({value("{\"new\":true}")}).status == SLUICE_OK);
        REQUIRE(flush(sink).status == SLUICE_OK);
    }
    CHECK(read_file(path) == "{\"old\":true}\n{\"new\":true}\n");
    CHECK(host.logs.empty());
}

TEST_CASE("file sink: a file ending mid-line gets a line break before new records") {
    TempDir dir;
    const std::string path = dir.file("torn.jsonl");
    write_file(path, "{\"complete\":1}\n{\"torn\":");
    FakeHost host;
    {
        SinkUnderTest sink("file", {{"path", path}}, host);
        REQUIRE(sink.put({value("2")}).status == SLUICE_OK);
        REQUIRE(flush(sink).status == SLUICE_OK);
    }
    CHECK(read_file(path) == "{\"complete\":1}\n{\"torn\":\n2\n");
    CHECK(logged(host, SLUICE_LOG_WARN, "incomplete line"));
}

TEST_CASE("file sink: missing parent directories are created") {
    TempDir dir;
    const std::string path = dir.file("a/b/c/out.jsonl");
    FakeHost host;
    {
        SinkUnderTest sink("file", {{"path", path}}, host);
        REQUIRE_MESSAGE(sink.ok(), sink.created.message);
        REQUIRE(sink.put({value("1")}).status == SLUICE_OK);
        REQUIRE(flush(sink).status == SLUICE_OK);
    }
    CHECK(read_file(path) == "1\n");
}

TEST_CASE("file sink: create.dirs false refuses a missing directory") {
    TempDir dir;
    const std::string path = dir.file("missing/out.jsonl");
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}, {"create.dirs", "false"}}, host);
    CHECK(sink.created.status == SLUICE_FATAL);
    CHECK(sink.created.message == "cannot append to '" + path + "': directory '" + dir.file("missing") +
                                      "' does not exist (create.dirs is false)");
    auto tested = SinkUnderTest::test("file", {{"path", path}, {"create.dirs", "false"}}, host);
    CHECK(tested.status == SLUICE_FATAL);
    CHECK(tested.message == sink.created.message);
    CHECK_FALSE(std::filesystem::exists(dir.file("missing")));
}

TEST_CASE("file sink: a path under a regular file fails create and test clearly") {
    TempDir dir;
    write_file(dir.file("plain"), "x");
    const std::string path = dir.file("plain/sub/out.jsonl");
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}}, host);
    CHECK(sink.created.status == SLUICE_FATAL);
    CHECK(sink.created.message.find("cannot append to '" + path + "'") == 0);
    CHECK(sink.created.message.find("Not a directory") != std::string::npos);
    auto tested = SinkUnderTest::test("file", {{"path", path}}, host);
    CHECK(tested.status == SLUICE_FATAL);
    CHECK(tested.message == "cannot append to '" + path + "': Not a directory");
}

TEST_CASE("file sink: a directory as path fails create and test clearly") {
    TempDir dir;
    const std::string path = dir.path().string();
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}}, host);
    CHECK(sink.created.status == SLUICE_FATAL);
    CHECK(sink.created.message == "cannot append to '" + path + "': Is a directory");
    auto tested = SinkUnderTest::test("file", {{"path", path}}, host);
    CHECK(tested.message == "cannot append to '" + path + "': Is a directory");
}

TEST_CASE("file sink: test passes on good paths and creates nothing") {
    TempDir dir;
    FakeHost host;
    CHECK(SinkUnderTest::test("file", {{"path", dir.file("new.jsonl")}}, host).status == SLUICE_OK);
    CHECK(SinkUnderTest::test("file", {{"path", dir.file("x/y/new.jsonl")}}, host).status == SLUICE_OK);
    write_file(dir.file("existing.jsonl"), "");
    CHECK(SinkUnderTest::test("file", {{"path", dir.file("existing.jsonl")}}, host).status == SLUICE_OK);
    CHECK_FALSE(std::filesystem::exists(dir.file("new.jsonl")));
    CHECK_FALSE(std::filesystem::exists(dir.file("x")));
}

TEST_CASE("file sink: a read-only file fails create and test") {
    if (::geteuid() == 0) return; // root writes anyway
    TempDir dir;
    const std::string path = dir.file("readonly.jsonl");
    write_file(path, "");
    ::chmod(path.c_str(), 0444);
    FakeHost host;
    SinkUnderTest sink("file", {{"path", path}}, host);
    CHECK(sink.created.status == SLUICE_FATAL);
    CHECK(sink.created.message == "cannot append to '" + path + "': Permission denied");
    CHECK(SinkUnderTest::test("file", {{"path", path}}, host).message == sink.created.message);
}

TEST_CASE("file sink: a record larger than the buffer is written whole") {
    TempDir dir;
    const std::string path = dir.file("big.jsonl");
    FakeHost host;
    const std::string big = "\"" + std::string(3 * 1024 * 1024, 'b') + "\"";
    {
        SinkUnderTest sink("file", {{"path", path}, {"buffer.bytes", "1024"}}, host);
        REQUIRE(sink.put({value("1"), value(big), value("2")}).status == SLUICE_OK);
        REQUIRE(flush(sink).status == SLUICE_OK);
    }
    CHECK(read_file(path) == "1\n" + big + "\n2\n");
}

TEST_CASE("file sink: a failing write fails the task with the reason") {
    const std::string full = "/dev/full"; // every write fails with ENOSPC
    if (!std::filesystem::exists(full)) return;
    FakeHost host;
    {
        SinkUnderTest sink("file", {{"path", full}, {"buffer.bytes", "0"}}, host);
        REQUIRE_MESSAGE(sink.ok(), sink.created.message);
        auto put = sink.put({value("1")});
        CHECK(put.status == SLUICE_FATAL);
        CHECK(put.message == "write to '/dev/full' failed: No space left on device");
        std::vector<sluice_topic_partition> positions{{"topic", 0, 1}};
        CHECK(sink.flush(positions).status == SLUICE_FATAL);
    }
    CHECK(logged(host, SLUICE_LOG_ERROR, "lost buffered records"));
}
