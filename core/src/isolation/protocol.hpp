// The worker <-> plugin host protocol: small binary frames on a stream socket pair, every
// length checked before it is used. Records never travel in frames: a batch lives in the
// task's shared arena (arena.hpp) and a frame only says how much of it is used.
//
//   frame  = u32 body length | u16 type | u16 zero | body        (little-endian, as the host)
//   body   = the message's fields in the order of encode() below
//   bytes  = u32 length (0xFFFFFFFF: null) | the bytes
//
// The host is untrusted: decode() refuses an unknown type, a length past the frame, a
// count larger than the bytes that could hold it, trailing bytes, and a frame above
// kMaxFrameBytes, with a message naming what was wrong (tests/fuzz/plugin_host_fuzz.cpp).
#pragma once

#include <sluice/abi.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::isolation {

// Raised whenever a message's layout changes; hello and ready carry it.
constexpr uint16_t kProtocolVersion = 2;  // 2: check / checked
// Largest frame body either side accepts (a configuration, an errant record, a list of
// offsets); record batches go through the arena instead.
constexpr uint32_t kMaxFrameBytes = 16u << 20;
constexpr size_t kFrameHeaderBytes = 8;

enum class Type : uint16_t {
    // worker -> host: the calls
    hello = 1,      // load the plugin, create the instance
    poll = 2,
    commit = 3,
    put = 4,
    flush = 5,
    open = 6,
    close = 7,
    shutdown = 8,   // destroy the instance, exit 0
    // worker -> host: answers to the host's callbacks
    stored_offset_answer = 9,
    errant_answer = 10,
    check = 11,     // load the plugin, run its test or validate (no instance), answer, exit
    // host -> worker
    ready = 32,     // the answer to hello
    done = 33,      // the answer to every call
    log = 34,       // one log line (no answer)
    stored_offset = 35,
    report_errant = 36,
    checked = 37,   // the answer to check
};

// Which configuration check a `check` message asks for.
enum class Check : uint8_t { test = 1, validate = 2 };
std::string_view check_name(Check check);  // "test", "validate"
std::string_view type_name(Type type);

struct ConfigEntry {
    std::string key;
    uint8_t type = 0;  // config::ValueType
    std::string text;
    std::vector<std::string> items;
    std::string json;
};

struct Position {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
};

// A record encoded inside a frame (report_errant): owns its bytes.
struct OwnedRecord {
    std::optional<std::string> key, value, topic, source_partition, source_offset;
    int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
    int32_t partition = SLUICE_ANY_PARTITION;
    int64_t offset = -1;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// Every message is one struct; which fields count depends on `type` (see encode()).
struct Message {
    Type type = Type::done;
    // hello, check (the same fields; check adds which callback)
    uint16_t version = kProtocolVersion;
    uint8_t kind = 0;  // config::ConnectorKind
    std::string file, plugin, worker_id, connector;
    int32_t task_id = 0, task_count = 1;
    int64_t memory_max_bytes = 0;  // 0: no limit
    std::vector<ConfigEntry> config;
    Check check = Check::test;
    // checked: the problems validate found, (key, message) pairs
    std::vector<std::pair<std::string, std::string>> problems;
    // poll: timeout and the soft record cap; put, done: records and bytes used in the arena
    int32_t timeout_ms = 0;
    uint32_t max_records = 0;
    uint32_t count = 0;
    uint64_t arena_used = 0;
    uint64_t arena_size = 0;  // the arena's size as the sender maps it (it may have grown it)
    // commit: (source partition, source offset) pairs
    std::vector<std::pair<std::string, std::string>> offsets;
    // flush, open, close, and their done
    std::vector<Position> positions;
    // done, ready, checked: the plugin's outcome
    int32_t status = SLUICE_OK;
    int64_t record_index = -1;
    std::string message;
    // log
    int32_t level = SLUICE_LOG_INFO;
    // stored_offset: the partition (JSON); stored_offset_answer: found + the offset
    bool found = false;
    std::string text;
    // report_errant
    OwnedRecord record;
};

// The frame (header and body) of a message.
std::string encode(const Message& m);

// The body length a frame header announces, or an error when it is over the limit.
struct Header {
    uint32_t length = 0;
    Type type = Type::done;
};
std::optional<Header> decode_header(const unsigned char* bytes, std::string& error);

// A frame body of the given type; nullopt with `error` saying what was wrong.
std::optional<Message> decode_body(Type type, std::string_view body, std::string& error);

// Header and body together (tests, the fuzz target): the whole frame must be consumed.
std::optional<Message> decode(std::string_view frame, std::string& error);

// ---- records in the arena ----------------------------------------------------------------

// Appends records to a memory range it does not own; `grow` is asked for more room (the
// arena grows and remaps: `base` may move). Offsets are relative to `base`.
class RecordWriter {
public:
    using Grow = bool (*)(void* context, size_t needed, char** base, size_t* capacity);
    RecordWriter(char* base, size_t begin, size_t capacity, Grow grow, void* context)
        : base_(base), used_(begin), capacity_(capacity), grow_(grow), context_(context) {}
    // Checks the record as a source's append() does, then encodes it; false with `error`.
    bool append(const sluice_record& record, std::string& error);
    size_t used() const { return used_; }

private:
    bool reserve(size_t size);

    char* base_;
    size_t used_;
    size_t capacity_;
    Grow grow_;
    void* context_;
};

// Checks a record as SourceBatch::append does (struct_size, headers, null data with a
// size, a source partition without an offset); the problem or empty.
std::string record_problem(const sluice_record* r);

// Decodes the records of [begin, end) of `base`: views into that memory, valid while it is.
class RecordReader {
public:
    RecordReader(const char* base, size_t begin, size_t end) : base_(base), at_(begin), end_(end) {}
    // The next record, or false at the end / on a malformed one (`error` set then).
    bool next(sluice_record& out, std::vector<sluice_header>& headers, std::string& error);
    bool at_end() const { return at_ == end_; }

private:
    bool bytes(sluice_bytes& out, std::string& error, const char* field);

    const char* base_;
    size_t at_, end_;
};

// A batch of decoded records with stable pointers (the host's put).
struct DecodedBatch {
    std::vector<sluice_record> records;
    std::vector<sluice_header> headers;
    std::vector<const sluice_header*> header_pointers;
    std::vector<const sluice_record*> pointers;
};
bool decode_batch(const char* base, size_t begin, size_t end, uint32_t count, DecodedBatch& out, std::string& error);

// A record copied into a frame and back (report_errant).
OwnedRecord own(const sluice_record& r);
// The body size of a report_errant frame for `record` and a message of `message_bytes`.
uint64_t errant_body_bytes(const OwnedRecord& record, size_t message_bytes);
// A report_errant that would not fit in a frame (kMaxFrameBytes) made to fit: the record
// keeps where it came from (topic, partition, offset, timestamp, and its source partition
// and offset when they fit) without its key, value and headers, and the message says so,
// with the record's size and the limit. The error policy then decides as for any other.
void fit_errant(Message& report);
// The record as the ABI's view of `owned` (headers in `headers`/`pointers`).
sluice_record view(const OwnedRecord& owned, std::vector<sluice_header>& headers, std::vector<const sluice_header*>& pointers);

}  // namespace sluice::isolation
