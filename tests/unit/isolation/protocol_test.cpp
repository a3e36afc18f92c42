// The worker <-> plugin host protocol (core/src/isolation/protocol.hpp): every message
// survives a round trip, and bytes a misbehaving host could send are refused with a reason,
// never read past their end.
#include "isolation/protocol.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace sluice::isolation;

namespace {

Message round_trip(const Message& m) {
    std::string error;
    auto back = decode(encode(m), error);
    REQUIRE_MESSAGE(back, error);
    CHECK(back->type == m.type);
    return *back;
}

std::string frame(uint32_t length, uint16_t type, std::string_view body, uint16_t reserved = 0) {
    std::string f(8, '\0');
    std::memcpy(f.data(), &length, 4);
    std::memcpy(f.data() + 4, &type, 2);
    std::memcpy(f.data() + 6, &reserved, 2);
    return f + std::string(body);
}

}  // namespace

TEST_CASE("protocol: every message survives a round trip") {
    Message hello;
    hello.type = Type::hello;
    hello.kind = 1;
    hello.file = "/plugins/x.so";
    hello.plugin = "x";
    hello.worker_id = "w";
    hello.connector = "p.src";
    hello.task_id = 2;
    hello.task_count = 3;
    hello.memory_max_bytes = 1 << 30;
    hello.config = {{"a.b", 1, "42", {}, "42"}, {"list", 4, "x,y", {"x", "y"}, R"(["x","y"])"}};
    Message h = round_trip(hello);
    CHECK(h.file == "/plugins/x.so");
    CHECK(h.connector == "p.src");
    CHECK(h.task_id == 2);
    CHECK(h.task_count == 3);
    CHECK(h.memory_max_bytes == 1 << 30);
    REQUIRE(h.config.size() == 2);
    CHECK(h.config[1].items == std::vector<std::string>{"x", "y"});
    CHECK(h.config[1].json == R"(["x","y"])");

    Message done;
    done.type = Type::done;
    done.status = SLUICE_ERROR;
    done.record_index = 7;
    done.message = "bad record";
    done.count = 3;
    done.arena_used = 1000;
    done.arena_size = 1 << 20;
    done.positions = {{"t", 1, 42}, {"u", 0, SLUICE_OFFSET_UNSET}};
    Message d = round_trip(done);
    CHECK(d.status == SLUICE_ERROR);
    CHECK(d.record_index == 7);
    CHECK(d.message == "bad record");
    CHECK(d.count == 3);
    CHECK(d.arena_used == 1000);
    REQUIRE(d.positions.size() == 2);
    CHECK(d.positions[1].offset == SLUICE_OFFSET_UNSET);

    Message commit;
    commit.type = Type::commit;
    commit.offsets = {{R"({"p":1})", R"({"o":2})"}};
    CHECK(round_trip(commit).offsets == commit.offsets);

    Message errant;
    errant.type = Type::report_errant;
    errant.record.value = "v";
    errant.record.topic = "t";
    errant.record.offset = 9;
    errant.record.headers = {{"h", std::nullopt}, {"k", "v"}};
    errant.message = "cannot";
    Message e = round_trip(errant);
    CHECK(!e.record.key);
    CHECK(e.record.value == "v");
    CHECK(e.record.offset == 9);
    REQUIRE(e.record.headers.size() == 2);
    CHECK(!e.record.headers[0].second);

    for (Type t : {Type::poll, Type::put, Type::flush, Type::open, Type::close, Type::shutdown, Type::stored_offset_answer,
                   Type::errant_answer, Type::ready, Type::log, Type::stored_offset}) {
        Message m;
        m.type = t;
        m.text = "x";
        round_trip(m);
    }
}

TEST_CASE("protocol: a check carries the plugin's spec and which callback; checked carries the problems") {
    Message check;
    check.type = Type::check;
    check.kind = 0;
    check.file = "/plugins/x.so";
    check.plugin = "x";
    check.connector = "p.src";
    check.memory_max_bytes = 1 << 30;
    check.config = {{"a", 1, "42", {}, "42"}};
    check.check = Check::validate;
    Message c = round_trip(check);
    CHECK(c.check == Check::validate);
    CHECK(c.file == "/plugins/x.so");
    CHECK(c.memory_max_bytes == 1 << 30);
    REQUIRE(c.config.size() == 1);
    CHECK(c.config[0].json == "42");

    Message checked;
    checked.type = Type::checked;
    checked.status = SLUICE_ERROR;
    checked.message = "no route to the database";
    checked.problems = {{"a", "must be even"}, {"", "the whole is wrong"}};
    Message k = round_trip(checked);
    CHECK(k.status == SLUICE_ERROR);
    CHECK(k.message == "no route to the database");
    REQUIRE(k.problems.size() == 2);
    CHECK(k.problems[1].first.empty());
    CHECK(k.problems[1].second == "the whole is wrong");

    SUBCASE("an unknown check is refused") {
        std::string frame_bytes = encode(check);
        frame_bytes.back() = 9;  // the check byte is the last of the body
        std::string error;
        CHECK(!decode(frame_bytes, error));
        CHECK(error.find("unknown check 9") != std::string::npos);
    }
}

TEST_CASE("protocol: an errant record too large for a frame is reported without its payload, with its size and the limit") {
    Message report;
    report.type = Type::report_errant;
    report.record.value = std::string(20u << 20, 'x');
    report.record.key = "k";
    report.record.headers = {{"h", "v"}};
    report.record.source_partition = R"({"p":1})";
    report.record.source_offset = R"({"n":7})";
    report.message = "too big for the plugin";
    CHECK(errant_body_bytes(report.record, report.message.size()) > kMaxFrameBytes);
    fit_errant(report);
    const std::string frame_bytes = encode(report);
    CHECK(frame_bytes.size() <= kMaxFrameBytes + kFrameHeaderBytes);
    std::string error;
    auto back = decode(frame_bytes, error);
    REQUIRE_MESSAGE(back, error);
    CHECK(!back->record.value);
    CHECK(!back->record.key);
    CHECK(back->record.headers.empty());
    CHECK(back->record.source_offset == R"({"n":7})");
    CHECK(back->message.rfind("too big for the plugin (the errant record, 20971", 0) == 0);
    CHECK(back->message.find("is over the 16777216-byte limit of what crosses the plugin host boundary") != std::string::npos);

    Message small;
    small.type = Type::report_errant;
    small.record.value = "v";
    small.message = "m";
    fit_errant(small);
    CHECK(small.record.value == "v");
    CHECK(small.message == "m");
    CHECK(errant_body_bytes(small.record, small.message.size()) == encode(small).size() - kFrameHeaderBytes);
}

TEST_CASE("protocol: what a misbehaving host could send is refused with a reason") {
    std::string error;
    SUBCASE("an unknown frame type") {
        CHECK(!decode(frame(0, 99, ""), error));
        CHECK(error == "unknown frame type 99");
    }
    SUBCASE("reserved bytes set") {
        CHECK(!decode(frame(0, static_cast<uint16_t>(Type::shutdown), "", 1), error));
        CHECK(error.find("reserved") != std::string::npos);
    }
    SUBCASE("a frame over the limit") {
        CHECK(!decode(frame(kMaxFrameBytes + 1, static_cast<uint16_t>(Type::log), ""), error));
        CHECK(error.find("over the limit") != std::string::npos);
    }
    SUBCASE("a length that does not match") {
        CHECK(!decode(frame(10, static_cast<uint16_t>(Type::log), "abc"), error));
        CHECK(error.find("announces 10 bytes") != std::string::npos);
    }
    SUBCASE("a string running past the frame") {
        std::string body(4, '\0');
        int32_t level = 2;
        std::memcpy(body.data(), &level, 4);
        uint32_t n = 1000;
        body.append(reinterpret_cast<const char*>(&n), 4);
        body += "short";
        CHECK(!decode(frame(static_cast<uint32_t>(body.size()), static_cast<uint16_t>(Type::log), body), error));
        CHECK(error == "log frame: log text: length 1000 runs past the frame at byte 8");
    }
    SUBCASE("a count larger than the bytes that could hold it") {
        uint32_t n = 0x10000000;
        std::string body(reinterpret_cast<const char*>(&n), 4);
        CHECK(!decode(frame(4, static_cast<uint16_t>(Type::flush), body), error));
        CHECK(error.find("count 268435456 runs past the frame") != std::string::npos);
    }
    SUBCASE("trailing bytes") {
        Message m;
        m.type = Type::shutdown;
        std::string f = encode(m) + "x";
        uint32_t len = 1;
        std::memcpy(f.data(), &len, 4);
        CHECK(!decode(f, error));
        CHECK(error.find("1 trailing bytes") != std::string::npos);
    }
    SUBCASE("an unknown status") {
        Message m;
        m.type = Type::done;
        m.status = 42;
        CHECK(!decode(encode(m), error));
        CHECK(error.find("unknown status 42") != std::string::npos);
    }
    SUBCASE("truncated") {
        Message m;
        m.type = Type::done;
        std::string f = encode(m);
        f.resize(f.size() - 3);
        uint32_t len = static_cast<uint32_t>(f.size() - 8);
        std::memcpy(f.data(), &len, 4);
        CHECK(!decode(f, error));
        CHECK(error.find("truncated") != std::string::npos);
    }
}

TEST_CASE("protocol: records cross the arena and come back as views") {
    std::vector<char> memory(64);
    struct Room {
        std::vector<char>* memory;
    } room{&memory};
    auto grow = [](void* context, size_t needed, char** base, size_t* capacity) {
        auto* r = static_cast<Room*>(context);
        r->memory->resize(needed * 2);
        *base = r->memory->data();
        *capacity = r->memory->size();
        return true;
    };
    RecordWriter writer(memory.data(), 8, memory.size(), grow, &room);
    sluice_header h{{"hk", 2}, {nullptr, 0}};
    const sluice_header* hp = &h;
    sluice_record r{};
    r.struct_size = sizeof r;
    r.key = {nullptr, 0};
    r.value = {"value-1", 7};
    r.timestamp_ms = 123;
    r.headers = &hp;
    r.header_count = 1;
    r.topic = {"t", 1};
    r.partition = 2;
    r.offset = 77;
    r.source_partition = {R"({"p":1})", 7};
    r.source_offset = {R"({"o":1})", 7};
    std::string error;
    REQUIRE(writer.append(r, error));
    r.value = {"", 0};  // empty, not null
    r.header_count = 0;
    REQUIRE(writer.append(r, error));

    DecodedBatch batch;
    REQUIRE_MESSAGE(decode_batch(memory.data(), 8, writer.used(), 2, batch, error), error);
    REQUIRE(batch.pointers.size() == 2);
    const sluice_record& a = *batch.pointers[0];
    CHECK(a.key.data == nullptr);
    CHECK(std::string(a.value.data, a.value.size) == "value-1");
    CHECK(a.timestamp_ms == 123);
    CHECK(a.partition == 2);
    CHECK(a.offset == 77);
    REQUIRE(a.header_count == 1);
    CHECK(std::string(a.headers[0]->key.data, a.headers[0]->key.size) == "hk");
    CHECK(a.headers[0]->value.data == nullptr);
    CHECK(std::string(a.source_offset.data, a.source_offset.size) == R"({"o":1})");
    const sluice_record& b = *batch.pointers[1];
    CHECK(b.value.data != nullptr);
    CHECK(b.value.size == 0);
    CHECK(b.header_count == 0);

    SUBCASE("a count the bytes do not hold") {
        CHECK(!decode_batch(memory.data(), 8, writer.used(), 3, batch, error));
    }
    SUBCASE("bytes left over") {
        CHECK(!decode_batch(memory.data(), 8, writer.used(), 1, batch, error));
        CHECK(error.find("bytes left") != std::string::npos);
    }
    SUBCASE("a truncated batch") {
        CHECK(!decode_batch(memory.data(), 8, writer.used() - 1, 2, batch, error));
        CHECK(error.find("truncated") != std::string::npos);
    }
    SUBCASE("a length past the used part") {
        std::vector<char> bad(memory.begin(), memory.begin() + static_cast<long>(writer.used()));
        uint32_t huge = 1u << 30;
        std::memcpy(bad.data() + 8 + 20 + 4, &huge, 4);  // the value's length, after the null key
        CHECK(!decode_batch(bad.data(), 8, bad.size(), 2, batch, error));
        CHECK(error == "arena record value: length 1073741824 runs past the used arena");
    }
}

TEST_CASE("protocol: a malformed record is refused as a source's append would refuse it") {
    sluice_record r{};
    r.struct_size = sizeof r;
    r.value = {nullptr, 3};
    CHECK(record_problem(&r) == "value has a size but no data");
    r.value = {"abc", 3};
    r.header_count = 1;
    CHECK(record_problem(&r) == "record says it has headers but headers is NULL");
    CHECK(record_problem(nullptr) == "record is NULL or its struct_size is too small");
}
