#include "isolation/protocol.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace sluice::isolation {

namespace {

constexpr uint32_t kNull = 0xFFFFFFFFu;

// Field writers into a frame.
struct Out {
    std::string s;
    template <class T>
    void raw(T v) {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        s.append(b, sizeof(T));
    }
    void bytes(std::string_view v) {
        raw<uint32_t>(static_cast<uint32_t>(v.size()));
        s.append(v);
    }
    void opt(const std::optional<std::string>& v) {
        if (!v) raw<uint32_t>(kNull);
        else bytes(*v);
    }
};

// Bounds-checked field readers; the first failure sticks and names the field.
struct In {
    std::string_view s;
    size_t at = 0;
    std::string error;

    bool fail(std::string_view field, std::string_view what) {
        if (error.empty()) error = std::string(field) + ": " + std::string(what) + " at byte " + std::to_string(at);
        return false;
    }
    template <class T>
    bool raw(T& v, std::string_view field) {
        if (!error.empty()) return false;
        if (s.size() - at < sizeof(T)) return fail(field, "truncated");
        std::memcpy(&v, s.data() + at, sizeof(T));
        at += sizeof(T);
        return true;
    }
    bool bytes(std::string& v, std::string_view field) {
        uint32_t n = 0;
        if (!raw(n, field)) return false;
        if (n == kNull) return fail(field, "null where a value is required");
        if (s.size() - at < n) return fail(field, "length " + std::to_string(n) + " runs past the frame");
        v.assign(s.data() + at, n);
        at += n;
        return true;
    }
    bool opt(std::optional<std::string>& v, std::string_view field) {
        uint32_t n = 0;
        if (!raw(n, field)) return false;
        if (n == kNull) {
            v.reset();
            return true;
        }
        if (s.size() - at < n) return fail(field, "length " + std::to_string(n) + " runs past the frame");
        v.emplace(s.data() + at, n);
        at += n;
        return true;
    }
    // A count of items each at least `min_item` bytes long: bounded by what is left.
    bool count(uint32_t& n, size_t min_item, std::string_view field) {
        if (!raw(n, field)) return false;
        if (static_cast<uint64_t>(n) * min_item > s.size() - at) return fail(field, "count " + std::to_string(n) + " runs past the frame");
        return true;
    }
};

void put_positions(Out& o, const std::vector<Position>& ps) {
    o.raw<uint32_t>(static_cast<uint32_t>(ps.size()));
    for (const auto& p : ps) {
        o.bytes(p.topic);
        o.raw<int32_t>(p.partition);
        o.raw<int64_t>(p.offset);
    }
}

bool get_positions(In& in, std::vector<Position>& ps) {
    uint32_t n = 0;
    if (!in.count(n, 16, "positions")) return false;
    ps.resize(n);
    for (auto& p : ps)
        if (!in.bytes(p.topic, "position topic") || !in.raw(p.partition, "position partition") || !in.raw(p.offset, "position offset"))
            return false;
    return true;
}

void put_outcome(Out& o, const Message& m) {
    o.raw<int32_t>(m.status);
    o.raw<int64_t>(m.record_index);
    o.bytes(m.message);
}

bool get_outcome(In& in, Message& m) {
    if (!in.raw(m.status, "status") || !in.raw(m.record_index, "record index") || !in.bytes(m.message, "message")) return false;
    if (m.status < SLUICE_OK || m.status > SLUICE_FATAL) return in.fail("status", "unknown status " + std::to_string(m.status));
    return true;
}

void put_record(Out& o, const OwnedRecord& r) {
    o.raw<int64_t>(r.timestamp_ms);
    o.raw<int32_t>(r.partition);
    o.raw<int64_t>(r.offset);
    o.opt(r.key);
    o.opt(r.value);
    o.opt(r.topic);
    o.opt(r.source_partition);
    o.opt(r.source_offset);
    o.raw<uint32_t>(static_cast<uint32_t>(r.headers.size()));
    for (const auto& [k, v] : r.headers) {
        o.bytes(k);
        o.opt(v);
    }
}

bool get_record(In& in, OwnedRecord& r) {
    if (!in.raw(r.timestamp_ms, "record timestamp") || !in.raw(r.partition, "record partition") || !in.raw(r.offset, "record offset") ||
        !in.opt(r.key, "record key") || !in.opt(r.value, "record value") || !in.opt(r.topic, "record topic") ||
        !in.opt(r.source_partition, "record source partition") || !in.opt(r.source_offset, "record source offset"))
        return false;
    uint32_t n = 0;
    if (!in.count(n, 8, "record headers")) return false;
    r.headers.resize(n);
    for (auto& [k, v] : r.headers)
        if (!in.bytes(k, "header key") || !in.opt(v, "header value")) return false;
    return true;
}

bool known(uint16_t t) {
    return (t >= static_cast<uint16_t>(Type::hello) && t <= static_cast<uint16_t>(Type::check)) ||
           (t >= static_cast<uint16_t>(Type::ready) && t <= static_cast<uint16_t>(Type::checked));
}

void put_pairs(Out& o, const std::vector<std::pair<std::string, std::string>>& pairs) {
    o.raw<uint32_t>(static_cast<uint32_t>(pairs.size()));
    for (const auto& [a, b] : pairs) {
        o.bytes(a);
        o.bytes(b);
    }
}

bool get_pairs(In& in, std::vector<std::pair<std::string, std::string>>& pairs, std::string_view field) {
    uint32_t n = 0;
    if (!in.count(n, 8, field)) return false;
    pairs.resize(n);
    for (auto& [a, b] : pairs)
        if (!in.bytes(a, field) || !in.bytes(b, field)) return false;
    return true;
}

// hello and check: what the host needs to load the plugin and lay out its configuration.
void put_plugin_spec(Out& o, const Message& m) {
    o.raw<uint16_t>(m.version);
    o.raw<uint8_t>(m.kind);
    o.bytes(m.file);
    o.bytes(m.plugin);
    o.bytes(m.worker_id);
    o.bytes(m.connector);
    o.raw<int32_t>(m.task_id);
    o.raw<int32_t>(m.task_count);
    o.raw<int64_t>(m.memory_max_bytes);
    o.raw<uint32_t>(static_cast<uint32_t>(m.config.size()));
    for (const auto& e : m.config) {
        o.bytes(e.key);
        o.raw<uint8_t>(e.type);
        o.bytes(e.text);
        o.raw<uint32_t>(static_cast<uint32_t>(e.items.size()));
        for (const auto& i : e.items) o.bytes(i);
        o.bytes(e.json);
    }
}

bool get_plugin_spec(In& in, Message& m) {
    uint32_t n = 0;
    bool ok = in.raw(m.version, "version") && in.raw(m.kind, "kind") && in.bytes(m.file, "file") && in.bytes(m.plugin, "plugin") &&
              in.bytes(m.worker_id, "worker id") && in.bytes(m.connector, "connector") && in.raw(m.task_id, "task id") &&
              in.raw(m.task_count, "task count") && in.raw(m.memory_max_bytes, "memory limit") && in.count(n, 17, "config entries");
    if (ok) m.config.resize(n);
    for (size_t i = 0; ok && i < n; ++i) {
        auto& e = m.config[i];
        uint32_t items = 0;
        ok = in.bytes(e.key, "config key") && in.raw(e.type, "config type") && in.bytes(e.text, "config text") &&
             in.count(items, 4, "config items");
        if (ok) e.items.resize(items);
        for (auto& item : e.items) ok = ok && in.bytes(item, "config item");
        ok = ok && in.bytes(e.json, "config json");
    }
    return ok;
}

}  // namespace

std::string_view type_name(Type type) {
    switch (type) {
    case Type::hello: return "hello";
    case Type::poll: return "poll";
    case Type::commit: return "commit";
    case Type::put: return "put";
    case Type::flush: return "flush";
    case Type::open: return "open";
    case Type::close: return "close";
    case Type::shutdown: return "shutdown";
    case Type::stored_offset_answer: return "stored_offset answer";
    case Type::errant_answer: return "report_errant answer";
    case Type::ready: return "ready";
    case Type::done: return "done";
    case Type::log: return "log";
    case Type::stored_offset: return "stored_offset";
    case Type::report_errant: return "report_errant";
    case Type::check: return "check";
    case Type::checked: return "checked";
    }
    return "unknown";
}

std::string_view check_name(Check check) { return check == Check::validate ? "validate" : "test"; }

std::string encode(const Message& m) {
    Out o;
    o.s.resize(kFrameHeaderBytes);
    switch (m.type) {
    case Type::hello: put_plugin_spec(o, m); break;
    case Type::check:
        put_plugin_spec(o, m);
        o.raw<uint8_t>(static_cast<uint8_t>(m.check));
        break;
    case Type::poll:
        o.raw<int32_t>(m.timeout_ms);
        o.raw<uint32_t>(m.max_records);
        break;
    case Type::commit:
        o.raw<uint32_t>(static_cast<uint32_t>(m.offsets.size()));
        for (const auto& [p, off] : m.offsets) {
            o.bytes(p);
            o.bytes(off);
        }
        break;
    case Type::put:
        o.raw<uint32_t>(m.count);
        o.raw<uint64_t>(m.arena_used);
        o.raw<uint64_t>(m.arena_size);
        break;
    case Type::flush:
    case Type::open:
    case Type::close: put_positions(o, m.positions); break;
    case Type::shutdown: break;
    case Type::stored_offset_answer:
        o.raw<uint8_t>(m.found ? 1 : 0);
        o.bytes(m.text);
        break;
    case Type::errant_answer: o.raw<int32_t>(m.status); break;
    case Type::ready:
        o.raw<uint16_t>(m.version);
        put_outcome(o, m);
        break;
    case Type::done:
        put_outcome(o, m);
        o.raw<uint32_t>(m.count);
        o.raw<uint64_t>(m.arena_used);
        o.raw<uint64_t>(m.arena_size);
        put_positions(o, m.positions);
        break;
    case Type::log:
        o.raw<int32_t>(m.level);
        o.bytes(m.text);
        break;
    case Type::stored_offset: o.bytes(m.text); break;
    case Type::report_errant:
        put_record(o, m.record);
        o.bytes(m.message);
        break;
    case Type::checked:
        put_outcome(o, m);
        put_pairs(o, m.problems);
        break;
    }
    const uint32_t length = static_cast<uint32_t>(o.s.size() - kFrameHeaderBytes);
    const uint16_t type = static_cast<uint16_t>(m.type), zero = 0;
    std::memcpy(o.s.data(), &length, 4);
    std::memcpy(o.s.data() + 4, &type, 2);
    std::memcpy(o.s.data() + 6, &zero, 2);
    return std::move(o.s);
}

std::optional<Header> decode_header(const unsigned char* bytes, std::string& error) {
    Header h;
    uint16_t type = 0, zero = 0;
    std::memcpy(&h.length, bytes, 4);
    std::memcpy(&type, bytes + 4, 2);
    std::memcpy(&zero, bytes + 6, 2);
    if (!known(type)) {
        error = "unknown frame type " + std::to_string(type);
        return std::nullopt;
    }
    if (zero != 0) {
        error = "frame header: reserved bytes are not zero";
        return std::nullopt;
    }
    if (h.length > kMaxFrameBytes) {
        error = "frame of " + std::to_string(h.length) + " bytes is over the limit of " + std::to_string(kMaxFrameBytes);
        return std::nullopt;
    }
    h.type = static_cast<Type>(type);
    return h;
}

std::optional<Message> decode_body(Type type, std::string_view body, std::string& error) {
    if (!known(static_cast<uint16_t>(type))) {
        error = "unknown frame type " + std::to_string(static_cast<uint16_t>(type));
        return std::nullopt;
    }
    In in{body, 0, {}};
    Message m;
    m.type = type;
    bool ok = true;
    switch (type) {
    case Type::hello: ok = get_plugin_spec(in, m); break;
    case Type::check: {
        uint8_t check = 0;
        ok = get_plugin_spec(in, m) && in.raw(check, "check");
        if (ok && check != static_cast<uint8_t>(Check::test) && check != static_cast<uint8_t>(Check::validate))
            ok = in.fail("check", "unknown check " + std::to_string(check));
        m.check = static_cast<Check>(check);
        break;
    }
    case Type::poll: ok = in.raw(m.timeout_ms, "timeout") && in.raw(m.max_records, "max records"); break;
    case Type::commit: {
        uint32_t n = 0;
        ok = in.count(n, 8, "offsets");
        if (ok) m.offsets.resize(n);
        for (auto& [p, o] : m.offsets) ok = ok && in.bytes(p, "source partition") && in.bytes(o, "source offset");
        break;
    }
    case Type::put: ok = in.raw(m.count, "count") && in.raw(m.arena_used, "arena used") && in.raw(m.arena_size, "arena size"); break;
    case Type::flush:
    case Type::open:
    case Type::close: ok = get_positions(in, m.positions); break;
    case Type::shutdown: break;
    case Type::stored_offset_answer: {
        uint8_t found = 0;
        ok = in.raw(found, "found") && in.bytes(m.text, "stored offset");
        if (ok && found > 1) ok = in.fail("found", "not 0 or 1");
        m.found = found == 1;
        break;
    }
    case Type::errant_answer:
        ok = in.raw(m.status, "status");
        if (ok && (m.status < SLUICE_OK || m.status > SLUICE_FATAL)) ok = in.fail("status", "unknown status");
        break;
    case Type::ready: ok = in.raw(m.version, "version") && get_outcome(in, m); break;
    case Type::done:
        ok = get_outcome(in, m) && in.raw(m.count, "count") && in.raw(m.arena_used, "arena used") &&
             in.raw(m.arena_size, "arena size") && get_positions(in, m.positions);
        break;
    case Type::log: ok = in.raw(m.level, "level") && in.bytes(m.text, "log text"); break;
    case Type::stored_offset: ok = in.bytes(m.text, "source partition"); break;
    case Type::report_errant: ok = get_record(in, m.record) && in.bytes(m.message, "message"); break;
    case Type::checked: ok = get_outcome(in, m) && get_pairs(in, m.problems, "problems"); break;
    }
    if (ok && in.at != body.size()) ok = in.fail(type_name(type), std::to_string(body.size() - in.at) + " trailing bytes");
    if (!ok) {
        error = std::string(type_name(type)) + " frame: " + in.error;
        return std::nullopt;
    }
    return m;
}

std::optional<Message> decode(std::string_view frame, std::string& error) {
    if (frame.size() < kFrameHeaderBytes) {
        error = "frame shorter than its header";
        return std::nullopt;
    }
    auto header = decode_header(reinterpret_cast<const unsigned char*>(frame.data()), error);
    if (!header) return std::nullopt;
    if (frame.size() - kFrameHeaderBytes != header->length) {
        error = "frame announces " + std::to_string(header->length) + " bytes, has " + std::to_string(frame.size() - kFrameHeaderBytes);
        return std::nullopt;
    }
    return decode_body(header->type, frame.substr(kFrameHeaderBytes), error);
}

// ---- records in the arena ----------------------------------------------------------------

std::string record_problem(const sluice_record* r) {
    if (r == nullptr || r->struct_size < offsetof(sluice_record, value) + sizeof(r->value)) return "record is NULL or its struct_size is too small";
    auto bad = [](const sluice_bytes& b) { return b.data == nullptr && b.size != 0; };
    if (bad(r->key)) return "key has a size but no data";
    if (bad(r->value)) return "value has a size but no data";
    if (SLUICE_HAS_FIELD(r, sluice_record, header_count) && r->header_count > 0) {
        if (r->headers == nullptr) return "record says it has headers but headers is NULL";
        for (size_t i = 0; i < r->header_count; ++i) {
            const sluice_header* h = r->headers[i];
            if (h == nullptr || h->key.data == nullptr) return "header " + std::to_string(i) + " has no key";
            if (bad(h->value)) return "header value has a size but no data";
        }
    }
    if (SLUICE_HAS_FIELD(r, sluice_record, partition) && bad(r->topic)) return "topic has a size but no data";
    if (SLUICE_HAS_FIELD(r, sluice_record, source_offset)) {
        if (bad(r->source_partition) || bad(r->source_offset)) return "source_partition or source_offset has a size but no data";
        if ((r->source_partition.data == nullptr) != (r->source_offset.data == nullptr))
            return "a record needs both source_partition and source_offset, or neither";
    }
    return {};
}

bool RecordWriter::reserve(size_t size) {
    if (capacity_ - used_ >= size) return true;
    return grow_ != nullptr && grow_(context_, used_ + size, &base_, &capacity_) && capacity_ - used_ >= size;
}

// Sized first, then written with plain copies: this runs once per record of every batch.
bool RecordWriter::append(const sluice_record& r, std::string& error) {
    error = record_problem(&r);
    if (!error.empty()) return false;
    const bool has_ts = SLUICE_HAS_FIELD(&r, sluice_record, timestamp_ms);
    const bool has_headers = SLUICE_HAS_FIELD(&r, sluice_record, header_count);
    const bool has_topic = SLUICE_HAS_FIELD(&r, sluice_record, partition);
    const bool has_offset = SLUICE_HAS_FIELD(&r, sluice_record, offset);
    const bool has_source = SLUICE_HAS_FIELD(&r, sluice_record, source_offset);
    const sluice_bytes none{nullptr, 0};
    const sluice_bytes* fields[5] = {&r.key, &r.value, has_topic ? &r.topic : &none, has_source ? &r.source_partition : &none,
                                     has_source ? &r.source_offset : &none};
    const uint32_t headers = has_headers ? static_cast<uint32_t>(r.header_count) : 0;
    uint64_t size = 20 + 4 * 5 + 4 + 8 * static_cast<uint64_t>(headers);
    bool fits = true;
    auto count = [&](const sluice_bytes& b) {
        if (b.data == nullptr) return;
        if (b.size >= kNull) fits = false;
        size += b.size;
    };
    for (const sluice_bytes* f : fields) count(*f);
    for (uint32_t i = 0; i < headers; ++i) {
        count(r.headers[i]->key);
        count(r.headers[i]->value);
    }
    if (!fits || size > SIZE_MAX / 2 || !reserve(static_cast<size_t>(size))) {
        error = "the record does not fit in the task's shared arena (or a field is larger than 4 GiB)";
        return false;
    }
    char* p = base_ + used_;
    auto raw = [&p](const void* data, size_t n) {
        if (n > 0) std::memcpy(p, data, n);
        p += n;
    };
    auto bytes = [&raw](const sluice_bytes& b) {
        if (b.data == nullptr) return raw(&kNull, 4);
        const uint32_t n = static_cast<uint32_t>(b.size);
        raw(&n, 4);
        raw(b.data, b.size);
    };
    const int64_t ts = has_ts ? r.timestamp_ms : SLUICE_NO_TIMESTAMP;
    const int32_t partition = has_topic ? r.partition : SLUICE_ANY_PARTITION;
    const int64_t offset = has_offset ? r.offset : -1;
    raw(&ts, 8);
    raw(&partition, 4);
    raw(&offset, 8);
    for (const sluice_bytes* f : fields) bytes(*f);
    raw(&headers, 4);
    for (uint32_t i = 0; i < headers; ++i) {
        bytes(r.headers[i]->key);
        bytes(r.headers[i]->value);
    }
    used_ = static_cast<size_t>(p - base_);
    return true;
}

bool RecordReader::bytes(sluice_bytes& out, std::string& error, const char* field) {
    uint32_t n = 0;
    if (end_ - at_ < 4) {
        error = std::string("arena record ") + field + ": truncated at " + std::to_string(at_);
        return false;
    }
    std::memcpy(&n, base_ + at_, 4);
    at_ += 4;
    if (n == kNull) {
        out = {nullptr, 0};
        return true;
    }
    if (end_ - at_ < n) {
        error = std::string("arena record ") + field + ": length " + std::to_string(n) + " runs past the used arena";
        return false;
    }
    out = {base_ + at_, n};
    at_ += n;
    return true;
}

bool RecordReader::next(sluice_record& r, std::vector<sluice_header>& headers, std::string& error) {
    r = sluice_record{};
    r.struct_size = sizeof(sluice_record);
    if (end_ - at_ < 20) {
        error = "arena record: truncated at " + std::to_string(at_);
        return false;
    }
    std::memcpy(&r.timestamp_ms, base_ + at_, 8);
    std::memcpy(&r.partition, base_ + at_ + 8, 4);
    std::memcpy(&r.offset, base_ + at_ + 12, 8);
    at_ += 20;
    if (!bytes(r.key, error, "key") || !bytes(r.value, error, "value") || !bytes(r.topic, error, "topic") ||
        !bytes(r.source_partition, error, "source partition") || !bytes(r.source_offset, error, "source offset"))
        return false;
    uint32_t n = 0;
    if (end_ - at_ < 4) {
        error = "arena record headers: truncated at " + std::to_string(at_);
        return false;
    }
    std::memcpy(&n, base_ + at_, 4);
    at_ += 4;
    if (static_cast<uint64_t>(n) * 8 > end_ - at_) {
        error = "arena record: header count " + std::to_string(n) + " runs past the used arena";
        return false;
    }
    headers.resize(n);
    for (auto& h : headers) {
        if (!bytes(h.key, error, "header key") || !bytes(h.value, error, "header value")) return false;
        if (h.key.data == nullptr) {
            error = "arena record: a header without a key";
            return false;
        }
    }
    r.header_count = n;
    return true;
}

bool decode_batch(const char* base, size_t begin, size_t end, uint32_t count, DecodedBatch& out, std::string& error) {
    out.records.clear();
    out.headers.clear();
    out.header_pointers.clear();
    out.pointers.clear();
    if (static_cast<uint64_t>(count) * 24 > end - begin) {
        error = "put of " + std::to_string(count) + " records runs past the used arena";
        return false;
    }
    RecordReader reader(base, begin, end);
    std::vector<sluice_header> one;
    std::vector<size_t> header_begin;
    out.records.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
        sluice_record r;
        if (!reader.next(r, one, error)) return false;
        header_begin.push_back(out.headers.size());
        out.headers.insert(out.headers.end(), one.begin(), one.end());
        out.records.push_back(r);
    }
    if (!reader.at_end()) {
        error = "put: bytes left in the arena after " + std::to_string(count) + " records";
        return false;
    }
    for (const auto& h : out.headers) out.header_pointers.push_back(&h);
    for (size_t i = 0; i < out.records.size(); ++i) {
        out.records[i].headers = out.records[i].header_count ? out.header_pointers.data() + header_begin[i] : nullptr;
        out.pointers.push_back(&out.records[i]);
    }
    return true;
}

OwnedRecord own(const sluice_record& r) {
    OwnedRecord o;
    auto opt = [](const sluice_bytes& b) -> std::optional<std::string> {
        if (b.data == nullptr) return std::nullopt;
        return std::string(b.data, b.size);
    };
    o.key = opt(r.key);
    o.value = opt(r.value);
    if (SLUICE_HAS_FIELD(&r, sluice_record, timestamp_ms)) o.timestamp_ms = r.timestamp_ms;
    if (SLUICE_HAS_FIELD(&r, sluice_record, header_count) && r.headers != nullptr)
        for (size_t i = 0; i < r.header_count; ++i)
            if (r.headers[i] != nullptr && r.headers[i]->key.data != nullptr)
                o.headers.emplace_back(std::string(r.headers[i]->key.data, r.headers[i]->key.size), opt(r.headers[i]->value));
    if (SLUICE_HAS_FIELD(&r, sluice_record, partition)) {
        o.topic = opt(r.topic);
        o.partition = r.partition;
    }
    if (SLUICE_HAS_FIELD(&r, sluice_record, offset)) o.offset = r.offset;
    if (SLUICE_HAS_FIELD(&r, sluice_record, source_offset)) {
        o.source_partition = opt(r.source_partition);
        o.source_offset = opt(r.source_offset);
    }
    return o;
}

uint64_t errant_body_bytes(const OwnedRecord& r, size_t message_bytes) {
    auto field = [](const std::optional<std::string>& v) -> uint64_t { return 4 + (v ? v->size() : 0); };
    uint64_t size = 20 + field(r.key) + field(r.value) + field(r.topic) + field(r.source_partition) + field(r.source_offset) + 4;
    for (const auto& [k, v] : r.headers) size += 4 + k.size() + field(v);
    return size + 4 + message_bytes;
}

void fit_errant(Message& report) {
    constexpr size_t kMessageBytes = 64 * 1024;  // a plugin's message, as a log line is cut
    const uint64_t size = errant_body_bytes(report.record, report.message.size());
    if (size <= kMaxFrameBytes) return;
    if (report.message.size() > kMessageBytes) report.message.resize(kMessageBytes);
    report.message += " (the errant record, " + std::to_string(size) + " bytes with its message, is over the " +
                      std::to_string(kMaxFrameBytes) + "-byte limit of what crosses the plugin host boundary: " +
                      "it is reported without its key, value and headers)";
    report.record.key.reset();
    report.record.value.reset();
    report.record.headers.clear();
    if (errant_body_bytes(report.record, report.message.size()) > kMaxFrameBytes) {
        report.record.source_partition.reset();
        report.record.source_offset.reset();
        report.record.topic.reset();
    }
}

sluice_record view(const OwnedRecord& o, std::vector<sluice_header>& headers, std::vector<const sluice_header*>& pointers) {
    auto b = [](const std::optional<std::string>& s) { return s ? sluice_bytes{s->data(), s->size()} : sluice_bytes{nullptr, 0}; };
    headers.clear();
    pointers.clear();
    for (const auto& [k, v] : o.headers) headers.push_back({{k.data(), k.size()}, b(v)});
    for (const auto& h : headers) pointers.push_back(&h);
    sluice_record r{};
    r.struct_size = sizeof(sluice_record);
    r.key = b(o.key);
    r.value = b(o.value);
    r.timestamp_ms = o.timestamp_ms;
    r.headers = pointers.empty() ? nullptr : pointers.data();
    r.header_count = pointers.size();
    r.topic = b(o.topic);
    r.partition = o.partition;
    r.offset = o.offset;
    r.source_partition = b(o.source_partition);
    r.source_offset = b(o.source_offset);
    return r;
}

}  // namespace sluice::isolation
