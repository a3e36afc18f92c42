// The file source in lines format, driven through the ABI.
#include "source_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace file_source_test;
using sluice::testing::append_file;
using sluice::testing::TempDir;
using sluice::testing::write_file;

TEST_CASE("file source: declared as one task with a required path") {
    const auto& d = sluice::testing::descriptor(SLUICE_KIND_SOURCE, "file");
    CHECK(d.max_tasks == 1);
    const auto* path = sluice::testing::config_def(d, "path");
    REQUIRE(path != nullptr);
    CHECK((path->flags & SLUICE_CONFIG_REQUIRED) != 0);
    const auto* format = sluice::testing::config_def(d, "format");
    REQUIRE(format != nullptr);
    CHECK(std::string(format->default_value) == "lines");
    CHECK(format->allowed_count == 2);
    const auto* batch = sluice::testing::config_def(d, "batch.size");
    REQUIRE(batch != nullptr);
    CHECK(batch->min_value == 1);
    CHECK(batch->max_value == 100000);
}

TEST_CASE("file source: one record per LF line, offsets are byte positions") {
    TempDir dir;
    const std::string path = dir.file("in.txt");
    const std::string content = "alpha\nbeta\ngamma\n";
    write_file(path, content);
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    REQUIRE_MESSAGE(source.ok(), source.created.message);

    auto records = drain(source);
    REQUIRE(records.size() == 3);
    CHECK(values_of(records) == std::vector<std::string>{"alpha", "beta", "gamma"});
    CHECK(position_of(records[0]) == 6);
    CHECK(position_of(records[1]) == 11);
    CHECK(position_of(records[2]) == content.size());
    for (const auto& r : records) {
        CHECK_FALSE(r.key);
        CHECK(r.source_partition == "{\"filename\":\"" + path + "\"}");
        CHECK(r.source_offset == offset_at(position_of(r)));
    }
    check_positions_follow_terminators(records, content);
}

TEST_CASE("file source: CRLF lines lose the whole terminator") {
    TempDir dir;
    const std::string path = dir.file("crlf.txt");
    const std::string content = "one\r\ntwo\r\n\r\nthree\rstill three\r\n";
    write_file(path, content);
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    REQUIRE(source.ok());
    auto records = drain(source);
    CHECK(values_of(records) == std::vector<std::string>{"one", "two", "three\rstill three"});
    CHECK(position_of(records[0]) == 5);
    CHECK(position_of(records[1]) == 10);
    CHECK(position_of(records.back()) == content.size());
    check_positions_follow_terminators(records, content);
}

TEST_CASE("file source: empty lines are skipped unless skip.empty.lines is false") {
    TempDir dir;
    const std::string path = dir.file("blank.txt");
    const std::string content = "\na\n\n\r\nb\n\n";
    write_file(path, content);
    FakeHost host;
    {
        SourceUnderTest source("file", {{"path", path}}, host);
        auto records = drain(source);
        CHECK(values_of(records) == std::vector<std::string>{"a", "b"});
        CHECK(position_of(records[0]) == 3);
        CHECK(position_of(records[1]) == 8);
    }
    {
        SourceUnderTest source("file", {{"path", path}, {"skip.empty.lines", "false"}}, host);
        auto records = drain(source);
        CHECK(values_of(records) == std::vector<std::string>{"", "a", "", "", "b", ""});
        CHECK(records[0].value.has_value()); // empty, not null
        check_positions_follow_terminators(records, content);
        CHECK(position_of(records.back()) == content.size());
    }
}

TEST_CASE("file source: an empty file gives nothing and poll waits for its timeout") {
    TempDir dir;
    const std::string path = dir.file("empty.txt");
    write_file(path, "");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    REQUIRE(source.ok());
    CapturingWriter out;
    const auto start = std::chrono::steady_clock::now();
    auto result = source.poll(out, 120);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(result.status == SLUICE_OK);
    CHECK(out.records.empty());
    CHECK(elapsed >= std::chrono::milliseconds(100));
    CHECK(elapsed < std::chrono::milliseconds(2000));
}

TEST_CASE("file source: poll returns early when the task is stopping") {
    TempDir dir;
    const std::string path = dir.file("idle.txt");
    write_file(path, "");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    host.stopping = true;
    CapturingWriter out;
    const auto start = std::chrono::steady_clock::now();
    CHECK(source.poll(out, 10000).status == SLUICE_OK);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000));
}

TEST_CASE("file source: appended lines are picked up") {
    TempDir dir;
    const std::string path = dir.file("grow.txt");
    write_file(path, "first\n");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    REQUIRE(drain(source).size() == 1);
    CHECK(drain(source).empty());

    append_file(path, "second\nthird\n");
    auto records = drain(source);
    CHECK(values_of(records) == std::vector<std::string>{"second", "third"});
    CHECK(position_of(records.back()) == 19);
}

TEST_CASE("file source: a waiting poll returns as soon as a line is appended") {
    TempDir dir;
    const std::string path = dir.file("wait.txt");
    write_file(path, "");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        append_file(path, "late\n");
    });
    CapturingWriter out;
    const auto start = std::chrono::steady_clock::now();
    auto result = source.poll(out, 5000);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    writer.join();
    CHECK(result.status == SLUICE_OK);
    REQUIRE(out.records.size() == 1);
    CHECK(*out.records[0].value == "late");
    CHECK(elapsed < std::chrono::milliseconds(3000));
}

TEST_CASE("file source: a last line without terminator is held until it is completed") {
    TempDir dir;
    const std::string path = dir.file("partial.txt");
    write_file(path, "done\npart");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    auto first = drain(source);
    CHECK(values_of(first) == std::vector<std::string>{"done"});

    append_file(path, "ial");
    CHECK(drain(source).empty());
    append_file(path, "\r"); // half a CRLF is not a terminator yet
    CHECK(drain(source).empty());
    append_file(path, "\nnext\n");
    auto rest = drain(source);
    CHECK(values_of(rest) == std::vector<std::string>{"partial", "next"});
    CHECK(position_of(rest[0]) == 14);
    CHECK(position_of(rest[1]) == 19);
}

TEST_CASE("file source: batch.size and the writer's max_records bound a poll") {
    TempDir dir;
    const std::string path = dir.file("many.txt");
    std::string content;
    for (int i = 0; i < 10; ++i) content += "line" + std::to_string(i) + "\n";
    write_file(path, content);
    FakeHost host;
    {
        SourceUnderTest source("file", {{"path", path}, {"batch.size", "3"}}, host);
        std::vector<std::size_t> sizes;
        for (int i = 0; i < 5; ++i) {
            CapturingWriter out;
            REQUIRE(source.poll(out, 0).status == SLUICE_OK);
            sizes.push_back(out.records.size());
        }
        CHECK(sizes == std::vector<std::size_t>{3, 3, 3, 1, 0});
    }
    {
        SourceUnderTest source("file", {{"path", path}}, host);
        CapturingWriter out(4);
        REQUIRE(source.poll(out, 0).status == SLUICE_OK);
        CHECK(out.records.size() == 4);
        auto rest = drain(source, 4);
        CHECK(rest.size() == 6);
        CHECK(*rest.front().value == "line4");
    }
}

TEST_CASE("file source: resumes at the stored position with exactly the remaining lines") {
    TempDir dir;
    const std::string path = dir.file("resume.txt");
    std::string content;
    for (int i = 0; i < 50; ++i) content += "record-" + std::to_string(i) + (i % 3 == 0 ? "\r\n" : "\n");
    write_file(path, content);

    FakeHost first_host;
    SourceUnderTest first("file", {{"path", path}}, first_host);
    auto all = drain(first);
    REQUIRE(all.size() == 50);
    check_positions_follow_terminators(all, content);

    for (std::size_t k : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{48}, std::size_t{49}}) {
        FakeHost host;
        host.offsets[partition_of(path)] = all[k].source_offset;
        SourceUnderTest resumed("file", {{"path", path}}, host);
        REQUIRE(resumed.ok());
        auto rest = drain(resumed);
        REQUIRE(rest.size() == all.size() - k - 1);
        for (std::size_t i = 0; i < rest.size(); ++i) {
            CHECK(rest[i].value == all[k + 1 + i].value);
            CHECK(rest[i].source_offset == all[k + 1 + i].source_offset);
        }
    }
}

TEST_CASE("file source: a stored position beyond the file's end restarts from 0 with a warning") {
    TempDir dir;
    const std::string path = dir.file("short.txt");
    write_file(path, "a\nb\n");
    FakeHost host;
    host.offsets[partition_of(path)] = offset_at(1000);
    SourceUnderTest source("file", {{"path", path}}, host);
    REQUIRE(source.ok());
    CHECK(values_of(drain(source)) == std::vector<std::string>{"a", "b"});
    CHECK(logged(host, SLUICE_LOG_WARN, "beyond the end"));
}

TEST_CASE("file source: a stored position that does not follow a line end restarts from 0") {
    TempDir dir;
    const std::string path = dir.file("replaced.txt");
    write_file(path, "abcdef\nghi\n");
    FakeHost host;
    host.offsets[partition_of(path)] = offset_at(3);
    SourceUnderTest source("file", {{"path", path}}, host);
    REQUIRE(source.ok());
    CHECK(values_of(drain(source)) == std::vector<std::string>{"abcdef", "ghi"});
    CHECK(logged(host, SLUICE_LOG_WARN, "does not follow a line end"));
}

TEST_CASE("file source: a malformed stored offset fails the task at create") {
    TempDir dir;
    const std::string path = dir.file("in.txt");
    write_file(path, "a\n");
    for (std::string bad : {"{\"pos\":3}", "{\"position\":\"x\"}", "{\"position\":\"\"}", "{\"position\":-4}",
                            "{\"position\":1.5}", "not json"}) {
        FakeHost host;
        host.offsets[partition_of(path)] = bad;
        SourceUnderTest source("file", {{"path", path}}, host);
        CHECK(source.created.status == SLUICE_FATAL);
        CHECK(source.created.message.find("stored source offset") != std::string::npos);
    }
}

TEST_CASE("file source: a truncated file is read again from the start") {
    TempDir dir;
    const std::string path = dir.file("trunc.txt");
    write_file(path, "one\ntwo\nthree\n");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    REQUIRE(drain(source).size() == 3);

    write_file(path, "new\n"); // truncates in place, same inode
    auto records = drain(source);
    CHECK(values_of(records) == std::vector<std::string>{"new"});
    CHECK(position_of(records[0]) == 4);
    CHECK(logged(host, SLUICE_LOG_WARN, "truncated"));
}

TEST_CASE("file source: a rotated file is followed from the start of the new one") {
    TempDir dir;
    const std::string path = dir.file("app.log");
    write_file(path, "old-1\nold-2\npartial-old");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    CHECK(values_of(drain(source)) == std::vector<std::string>{"old-1", "old-2"});

    std::filesystem::rename(path, path + ".1");
    write_file(path, "new-1\nnew-2\nnew-3-is-longer-than-the-old-file-was\n");
    auto records = drain(source);
    CHECK(values_of(records) == std::vector<std::string>{"new-1", "new-2", "new-3-is-longer-than-the-old-file-was"});
    CHECK(position_of(records[0]) == 6);
    CHECK(logged(host, SLUICE_LOG_WARN, "rotated"));
    CHECK(logged(host, SLUICE_LOG_WARN, "dropping 11 bytes"));
}

TEST_CASE("file source: a removed file that is not recreated yet keeps the old one") {
    TempDir dir;
    const std::string path = dir.file("gone.log");
    write_file(path, "a\n");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    CHECK(drain(source).size() == 1);
    std::filesystem::remove(path);
    CHECK(drain(source).empty());
    write_file(path, "b\n");
    CHECK(values_of(drain(source)) == std::vector<std::string>{"b"});
}

TEST_CASE("file source: a line longer than the read block comes out whole") {
    TempDir dir;
    const std::string path = dir.file("huge.txt");
    std::string huge(3 * 256 * 1024 + 17, 'x');
    for (std::size_t i = 0; i < huge.size(); i += 1000) huge[i] = static_cast<char>('a' + (i / 1000) % 26);
    const std::string content = "small\n" + huge + "\r\ntail\n";
    write_file(path, content);
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    auto records = drain(source);
    REQUIRE(records.size() == 3);
    CHECK(*records[1].value == huge);
    CHECK(position_of(records[1]) == 6 + huge.size() + 2);
    CHECK(*records[2].value == "tail");
    check_positions_follow_terminators(records, content);
}

TEST_CASE("file source: a line longer than max.record.bytes fails the task, naming it") {
    TempDir dir;
    const std::string path = dir.file("toolong.txt");
    write_file(path, "ok\nfine\n" + std::string(5000, 'z') + "\nafter\n");
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}, {"max.record.bytes", "1024"}}, host);
    REQUIRE(source.ok());
    CapturingWriter first;
    REQUIRE(source.poll(first, 0).status == SLUICE_OK); // the good lines go out first
    CHECK(values_of(first.records) == std::vector<std::string>{"ok", "fine"});
    CapturingWriter second;
    auto failed = source.poll(second, 0);
    CHECK(failed.status == SLUICE_FATAL);
    CHECK(second.records.empty());
    CHECK(failed.message.find("'" + path + "': line 3 (byte offset 8)") != std::string::npos);
    CHECK(failed.message.find("max.record.bytes") != std::string::npos);
}

TEST_CASE("file source: an unfinished line longer than max.record.bytes fails too") {
    TempDir dir;
    const std::string path = dir.file("endless.txt");
    write_file(path, "ok\n" + std::string(5000, 'z'));
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}, {"max.record.bytes", "1024"}}, host);
    CapturingWriter first;
    REQUIRE(source.poll(first, 0).status == SLUICE_OK);
    CHECK(values_of(first.records) == std::vector<std::string>{"ok"});
    CapturingWriter second;
    auto failed = source.poll(second, 0);
    CHECK(failed.status == SLUICE_FATAL);
    CHECK(failed.message.find("line 2 (byte offset 3)") != std::string::npos);
}

TEST_CASE("file source: a missing file fails create and test with a clear message") {
    TempDir dir;
    const std::string path = dir.file("does-not-exist.txt");
    FakeHost host;
    const std::string expected = "cannot read '" + path + "': No such file or directory";
    SourceUnderTest source("file", {{"path", path}}, host);
    CHECK(source.created.status == SLUICE_FATAL);
    CHECK(source.created.message == expected);
    auto tested = SourceUnderTest::test("file", {{"path", path}}, host);
    CHECK(tested.status != SLUICE_OK);
    CHECK(tested.message == expected);
}

TEST_CASE("file source: a directory is not a readable file") {
    TempDir dir;
    FakeHost host;
    const std::string path = dir.path().string();
    SourceUnderTest source("file", {{"path", path}}, host);
    CHECK(source.created.status == SLUICE_FATAL);
    CHECK(source.created.message == "cannot read '" + path + "': Is a directory");
    auto tested = SourceUnderTest::test("file", {{"path", path}}, host);
    CHECK(tested.message == "cannot read '" + path + "': Is a directory");
}

TEST_CASE("file source: a file without read permission fails create and test") {
    if (::geteuid() == 0) return; // root reads anyway: the missing-file and directory cases cover this path
    TempDir dir;
    const std::string path = dir.file("secret.txt");
    write_file(path, "x\n");
    ::chmod(path.c_str(), 0);
    FakeHost host;
    SourceUnderTest source("file", {{"path", path}}, host);
    CHECK(source.created.status == SLUICE_FATAL);
    CHECK(source.created.message == "cannot read '" + path + "': Permission denied");
    CHECK(SourceUnderTest::test("file", {{"path", path}}, host).message == source.created.message);
}

TEST_CASE("file source: test passes on a readable file") {
    TempDir dir;
    const std::string path = dir.file("ok.txt");
    write_file(path, "x\n");
    FakeHost host;
    auto tested = SourceUnderTest::test("file", {{"path", path}}, host);
    CHECK(tested.status == SLUICE_OK);
}

TEST_CASE("file source: key.field needs csv with a header") {
    TempDir dir;
    const std::string path = dir.file("in.txt");
    write_file(path, "a\n");
    FakeHost host;
    SourceUnderTest lines("file", {{"path", path}, {"key.field", "id"}}, host);
    CHECK(lines.created.status == SLUICE_FATAL);
    CHECK(lines.created.message.find("key.field needs format: csv") != std::string::npos);
    SourceUnderTest headerless("file", {{"path", path}, {"format", "csv"}, {"csv.header", "false"}, {"key.field", "id"}},
                               host);
    CHECK(headerless.created.status == SLUICE_FATAL);
}
