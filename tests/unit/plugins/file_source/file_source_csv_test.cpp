// The file source in csv format, driven through the ABI.
#include "source_test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace file_source_test;
using sluice::testing::append_file;
using sluice::testing::TempDir;
using sluice::testing::write_file;

namespace {

using Values = std::vector<std::string>;

std::map<std::string, std::string> csv(const std::string& path, std::map<std::string, std::string> extra = {}) {
    extra["path"] = path;
    extra["format"] = "csv";
    return extra;
}

}  // namespace

TEST_CASE("csv source: header names the fields of every row's JSON object") {
    TempDir dir;
    const std::string path = dir.file("people.csv");
    const std::string content = "id,name\n1,alice\n2,bob\n";
    write_file(path, content);
    FakeHost host;
    SourceUnderTest source("file", csv(path), host);
    REQUIRE_MESSAGE(source.ok(), source.created.message);
    auto records = drain(source);
    CHECK(values_of(records) == Values{R"({"id":"1","name":"alice"})", R"({"id":"2","name":"bob"})"});
    CHECK(position_of(records[0]) == 16);
    CHECK(position_of(records[1]) == content.size());
    CHECK_FALSE(records[0].key);
    CHECK(records[0].source_partition == partition_of(path));
}

TEST_CASE("csv source: without header every row is a JSON array") {
    TempDir dir;
    const std::string path = dir.file("rows.csv");
    write_file(path, "1,alice\n2,bob,extra\n3\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path, {{"csv.header", "false"}}), host);
    auto records = drain(source);
    CHECK(values_of(records) == Values{R"(["1","alice"])", R"(["2","bob","extra"])", R"(["3"])"});
}

TEST_CASE("csv source: quotes, doubled quotes, delimiters and newlines inside quotes") {
    TempDir dir;
    const std::string path = dir.file("quoted.csv");
    const std::string content =
        "name,comment\n"
        "\"Smith, J\",\"said \"\"hello\"\"\"\n"
        "multi,\"line one\nline two\r\nline three\"\n"
        "plain,\"back\\slash\"\n";
    write_file(path, content);
    FakeHost host;
    SourceUnderTest source("file", csv(path), host);
    auto records = drain(source);
    REQUIRE(records.size() == 3);
    CHECK(*records[0].value == R"({"name":"Smith, J","comment":"said \"hello\""})");
    CHECK(*records[1].value == R"({"name":"multi","comment":"line one\nline two\r\nline three"})");
    CHECK(*records[2].value == R"({"name":"plain","comment":"back\\slash"})");
    check_positions_follow_terminators(records, content);
    CHECK(position_of(records[2]) == content.size());
}

TEST_CASE("csv source: CRLF rows and a UTF-8 BOM") {
    TempDir dir;
    const std::string path = dir.file("excel.csv");
    const std::string content = "\xEF\xBB\xBFid;label\r\n7;caf\xC3\xA9\r\n8;\"x;y\"\r\n";
    write_file(path, content);
    FakeHost host;
    SourceUnderTest source("file", csv(path, {{"csv.delimiter", ";"}, {"key.field", "id"}}), host);
    REQUIRE_MESSAGE(source.ok(), source.created.message);
    auto records = drain(source);
    REQUIRE(records.size() == 2);
    CHECK(*records[0].value == "{\"id\":\"7\",\"label\":\"caf\xC3\xA9\"}");
    CHECK(*records[0].key == "7");
    CHECK(*records[1].value == R"({"id":"8","label":"x;y"})");
    CHECK(position_of(records[0]) == 3 + 10 + 9);
    CHECK(position_of(records[1]) == content.size());
}

TEST_CASE("csv source: a BOM without header is skipped too") {
    TempDir dir;
    const std::string path = dir.file("bom.csv");
    write_file(path, "\xEF\xBB\xBF" "a,b\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path, {{"csv.header", "false"}}), host);
    auto records = drain(source);
    CHECK(values_of(records) == Values{R"(["a","b"])"});
    CHECK(position_of(records[0]) == 7);
}

TEST_CASE("csv source: tab delimiter, given as a tab or as \\t") {
    TempDir dir;
    const std::string path = dir.file("tabs.tsv");
    write_file(path, "a\tb\n1\t2,3\n");
    for (std::string delimiter : {"\t", "\\t"}) {
        FakeHost host;
        SourceUnderTest source("file", csv(path, {{"csv.delimiter", delimiter}}), host);
        REQUIRE(source.ok());
        CHECK(values_of(drain(source)) == Values{R"({"a":"1","b":"2,3"})"});
    }
}

TEST_CASE("csv source: a multi-character delimiter is refused with a clear message") {
    TempDir dir;
    const std::string path = dir.file("x.csv");
    write_file(path, "a\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path, {{"csv.delimiter", "||"}}), host);
    CHECK(source.created.status == SLUICE_FATAL);
    CHECK(source.created.message.find("csv.delimiter must be a single character") != std::string::npos);
    auto tested = SourceUnderTest::test("file", csv(path, {{"csv.delimiter", "||"}}), host);
    CHECK(tested.status == SLUICE_FATAL);
}

TEST_CASE("csv source: key.field makes the column's value the key") {
    TempDir dir;
    const std::string path = dir.file("sensors.csv");
    write_file(path, "sensor_id,flow\nA12,40\nB7,\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path, {{"key.field", "sensor_id"}}), host);
    auto records = drain(source);
    REQUIRE(records.size() == 2);
    CHECK(*records[0].key == "A12");
    CHECK(*records[1].key == "B7");
    CHECK(*records[1].value == R"({"sensor_id":"B7","flow":""})");
}

TEST_CASE("csv source: an unknown key.field fails create and test, naming the valid columns") {
    TempDir dir;
    const std::string path = dir.file("sensors.csv");
    write_file(path, "sensor_id,flow\nA12,40\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path, {{"key.field", "sensor"}}), host);
    CHECK(source.created.status == SLUICE_FATAL);
    CHECK(source.created.message ==
          "key.field 'sensor' is not a column of '" + path + "'; valid columns: 'sensor_id', 'flow'");
    auto tested = SourceUnderTest::test("file", csv(path, {{"key.field", "sensor"}}), host);
    CHECK(tested.status == SLUICE_FATAL);
    CHECK(tested.message == source.created.message);
    CHECK(SourceUnderTest::test("file", csv(path, {{"key.field", "flow"}}), host).status == SLUICE_OK);
}

TEST_CASE("csv source: a ragged row fails the task naming file, line, offset and counts") {
    TempDir dir;
    const std::string path = dir.file("ragged.csv");
    const std::string content = "a,b\n1,2\n\"multi\nline\",x\n3\n4,5\n";
    write_file(path, content);
    FakeHost host;
    SourceUnderTest source("file", csv(path), host);
    CapturingWriter first;
    REQUIRE(source.poll(first, 0).status == SLUICE_OK); // rows before the bad one go out
    CHECK(values_of(first.records) == Values{R"({"a":"1","b":"2"})", R"({"a":"multi\nline","b":"x"})"});
    CapturingWriter second;
    auto failed = source.poll(second, 0);
    CHECK(failed.status == SLUICE_FATAL);
    CHECK(second.records.empty());
    CHECK(failed.message == "'" + path + "': line 5 (byte offset 23): expected 2 fields as in the header, found 1");
    CHECK(content.substr(23, 2) == "3\n");
}

TEST_CASE("csv source: csv.on.bad.row skip logs the row and moves on") {
    TempDir dir;
    const std::string path = dir.file("ragged.csv");
    const std::string content = "a,b\n1,2\n3\n4,5,6\n7,8\n";
    write_file(path, content);
    FakeHost host;
    SourceUnderTest source("file", csv(path, {{"csv.on.bad.row", "skip"}}), host);
    auto records = drain(source);
    CHECK(values_of(records) == Values{R"({"a":"1","b":"2"})", R"({"a":"7","b":"8"})"});
    CHECK(position_of(records[1]) == content.size());
    CHECK(logged(host, SLUICE_LOG_WARN,
                 "'" + path + "': line 3 (byte offset 8): expected 2 fields as in the header, found 1"));
    CHECK(logged(host, SLUICE_LOG_WARN, "line 4 (byte offset 10): expected 2 fields as in the header, found 3"));
}

TEST_CASE("csv source: blank lines are skipped by default, ragged otherwise") {
    TempDir dir;
    const std::string path = dir.file("blank.csv");
    write_file(path, "a,b\n1,2\n\n\r\n3,4\n\n");
    {
        FakeHost host;
        SourceUnderTest source("file", csv(path), host);
        CHECK(drain(source).size() == 2);
    }
    {
        FakeHost host;
        SourceUnderTest source("file", csv(path, {{"skip.empty.lines", "false"}, {"csv.on.bad.row", "skip"}}), host);
        CHECK(drain(source).size() == 2);
        CHECK(logged(host, SLUICE_LOG_WARN, "line 3 (byte offset 8)"));
    }
}

TEST_CASE("csv source: resume reads the header from the start, then the remaining rows") {
    TempDir dir;
    const std::string path = dir.file("resume.csv");
    std::string content = "\xEF\xBB\xBFid,v\r\n";
    for (int i = 0; i < 20; ++i) content += std::to_string(i) + ",\"val\n" + std::to_string(i) + "\"\r\n";
    write_file(path, content);
    FakeHost first_host;
    SourceUnderTest first("file", csv(path, {{"key.field", "id"}}), first_host);
    auto all = drain(first);
    REQUIRE(all.size() == 20);
    check_positions_follow_terminators(all, content);

    FakeHost host;
    host.offsets[partition_of(path)] = all[6].source_offset;
    SourceUnderTest resumed("file", csv(path, {{"key.field", "id"}}), host);
    REQUIRE(resumed.ok());
    auto rest = drain(resumed);
    REQUIRE(rest.size() == 13);
    CHECK(*rest[0].key == "7");
    CHECK(*rest[0].value == R"({"id":"7","v":"val\n7"})");
    CHECK(rest.back().source_offset == all.back().source_offset);
}

TEST_CASE("csv source: line numbers stay right after a resume") {
    TempDir dir;
    const std::string path = dir.file("late-error.csv");
    const std::string content = "a,b\n1,2\n\"x\ny\",3\n4,5\nbad\n";
    write_file(path, content);
    FakeHost host;
    host.offsets[partition_of(path)] = offset_at(content.find("4,5"));
    SourceUnderTest source("file", csv(path), host);
    REQUIRE(source.ok());
    CapturingWriter first;
    REQUIRE(source.poll(first, 0).status == SLUICE_OK);
    CHECK(values_of(first.records) == Values{R"({"a":"4","b":"5"})"});
    CapturingWriter second;
    auto failed = source.poll(second, 0);
    CHECK(failed.status == SLUICE_FATAL);
    CHECK(failed.message.find("line 6 (byte offset " + std::to_string(content.find("bad")) + ")") != std::string::npos);
}

TEST_CASE("csv source: a header-only file gives nothing; rows appended later do") {
    TempDir dir;
    const std::string path = dir.file("later.csv");
    write_file(path, "id,v\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path), host);
    CHECK(drain(source).empty());
    append_file(path, "1,x\n2,\"partial");
    CHECK(values_of(drain(source)) == Values{R"({"id":"1","v":"x"})"});
    append_file(path, " row\"\n");
    auto rest = drain(source);
    CHECK(values_of(rest) == Values{R"({"id":"2","v":"partial row"})"});
    CHECK(position_of(rest[0]) == 25);
}

TEST_CASE("csv source: a header written after create is picked up, key.field checked then") {
    TempDir dir;
    const std::string path = dir.file("empty.csv");
    write_file(path, "");
    FakeHost host;
    SourceUnderTest source("file", csv(path, {{"key.field", "id"}}), host);
    REQUIRE(source.ok());
    CHECK(drain(source).empty());
    append_file(path, "id,");
    CHECK(drain(source).empty()); // header row not complete yet
    append_file(path, "v\n5,five\n");
    auto records = drain(source);
    REQUIRE(records.size() == 1);
    CHECK(*records[0].key == "5");

    TempDir other;
    const std::string wrong = other.file("wrong.csv");
    write_file(wrong, "");
    FakeHost wrong_host;
    SourceUnderTest late("file", csv(wrong, {{"key.field", "id"}}), wrong_host);
    REQUIRE(late.ok());
    append_file(wrong, "name,v\nx,y\n");
    CapturingWriter out;
    auto failed = late.poll(out, 0);
    CHECK(failed.status == SLUICE_FATAL);
    CHECK(failed.message.find("valid columns: 'name', 'v'") != std::string::npos);
}

TEST_CASE("csv source: a rotated file's new header is read again") {
    TempDir dir;
    const std::string path = dir.file("feed.csv");
    write_file(path, "id,v\n1,a\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path), host);
    CHECK(drain(source).size() == 1);
    std::filesystem::rename(path, path + ".1");
    write_file(path, "v,id\nb,2\nc,3\n");
    auto records = drain(source);
    CHECK(values_of(records) == Values{R"({"v":"b","id":"2"})", R"({"v":"c","id":"3"})"});
    CHECK(logged(host, SLUICE_LOG_WARN, "rotated"));
}

TEST_CASE("csv source: a truncated file restarts with its header") {
    TempDir dir;
    const std::string path = dir.file("trunc.csv");
    write_file(path, "id,v\n1,aaaaaaaaaa\n2,bbbbbbbbbb\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path), host);
    CHECK(drain(source).size() == 2);
    write_file(path, "id,v\n3,c\n");
    auto records = drain(source);
    CHECK(values_of(records) == Values{R"({"id":"3","v":"c"})"});
    CHECK(position_of(records[0]) == 9);
}

TEST_CASE("csv source: a stored position with no complete header means the file was replaced") {
    TempDir dir;
    const std::string path = dir.file("noheader.csv");
    write_file(path, "\"id\nstill header");
    FakeHost host;
    host.offsets[partition_of(path)] = offset_at(4);
    SourceUnderTest source("file", csv(path), host);
    REQUIRE(source.ok());
    CHECK(logged(host, SLUICE_LOG_WARN, "no complete header row"));
    append_file(path, "\",v\n1,2\n");
    auto records = drain(source);
    CHECK(values_of(records) == Values{"{\"id\\nstill header\":\"1\",\"v\":\"2\"}"});
}

TEST_CASE("csv source: values that are not UTF-8 still make valid JSON (read as Latin-1)") {
    TempDir dir;
    const std::string path = dir.file("latin1.csv");
    write_file(path, "ville\nB\xE9gles\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path), host);
    CHECK(values_of(drain(source)) == Values{"{\"ville\":\"B\xC3\xA9gles\"}"});
}

TEST_CASE("csv source: a header repeating a name is warned about") {
    TempDir dir;
    const std::string path = dir.file("dup.csv");
    write_file(path, "a,a\n1,2\n");
    FakeHost host;
    SourceUnderTest source("file", csv(path), host);
    CHECK(drain(source).size() == 1);
    CHECK(logged(host, SLUICE_LOG_WARN, "repeats column 'a'"));
}
