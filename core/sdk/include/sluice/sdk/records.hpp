// sluice/sdk/records.hpp: records as a plugin sees them: what a source emits (SourceRecord,
// written through RecordWriter), what a sink receives (SinkRecord, SinkRecords), the offsets
// and partitions both kinds are told about.
#pragma once

#include <sluice/abi.h>
#include <sluice/sdk/context.hpp>
#include <sluice/sdk/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct Header {
    std::string_view key;
    std::optional<std::string_view> value;
};

// A record a source emits. Views only: the worker copies it during RecordWriter::add.
struct SourceRecord {
    std::optional<std::string_view> key = std::nullopt;
    std::optional<std::string_view> value = std::nullopt;
    // JSON objects, e.g. {"filename":"/data/a.csv"} and {"position":1024}. Leave both empty
    // for a record that has no offset to store.
    std::string_view source_partition = {};
    std::string_view source_offset = {};
    std::int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
    std::span<const Header> headers = {};
    std::optional<std::string_view> topic = std::nullopt; // default: the connector's topic
    std::int32_t partition = SLUICE_ANY_PARTITION;
};

struct CommittedOffset {
    std::string_view source_partition = {};
    std::string_view source_offset = {};
};

namespace detail {
inline sluice_bytes bytes(std::optional<std::string_view> v) {
    return v ? sluice_bytes{v->data() != nullptr ? v->data() : "", v->size()} : sluice_bytes{nullptr, 0};
}
inline std::optional<std::string_view> view(const sluice_bytes& b) {
    if (b.data == nullptr) return std::nullopt;
    return std::string_view(b.data, b.size);
}
// The C view of a source record, without headers; valid while `r` is.
inline sluice_record to_abi(const SourceRecord& r) {
    sluice_record rec{};
    rec.struct_size = sizeof(sluice_record);
    rec.key = bytes(r.key);
    rec.value = bytes(r.value);
    rec.timestamp_ms = r.timestamp_ms;
    rec.topic = bytes(r.topic);
    rec.partition = r.partition;
    rec.offset = -1;
    if (!r.source_partition.empty() || !r.source_offset.empty()) {  // empty: no offset (NULL)
        rec.source_partition = bytes(r.source_partition);
        rec.source_offset = bytes(r.source_offset);
    }
    return rec;
}
}  // namespace detail

// A source's errant record (see TaskContext::report_errant): the raw upstream bytes and where
// they were found.
inline void report_errant(const TaskContext& context, const SourceRecord& r, std::string_view message) {
    context.report_errant(detail::to_abi(r), message);
}

class RecordWriter {
public:
    explicit RecordWriter(sluice_batch_writer* writer) : writer_(writer) {}

    std::size_t max_records() const { return writer_->max_records; }
    std::size_t size() const { return count_; }
    bool full() const { return count_ >= writer_->max_records; }

    void add(const SourceRecord& r) {
        sluice_record rec = detail::to_abi(r);
        std::vector<sluice_header> headers;
        std::vector<const sluice_header*> header_ptrs;
        if (!r.headers.empty()) {
            headers.reserve(r.headers.size());
            for (const auto& h : r.headers) headers.push_back({detail::bytes(h.key), detail::bytes(h.value)});
            for (const auto& h : headers) header_ptrs.push_back(&h);
            rec.headers = header_ptrs.data();
            rec.header_count = header_ptrs.size();
        }
        char message[512];
        message[0] = '\0';
        sluice_error err{message, sizeof message, -1};
        sluice_status status = writer_->append(writer_->opaque, &rec, &err);
        if (status != SLUICE_OK) throw FatalError(std::string("record refused by the worker: ") + message);
        ++count_;
    }

private:
    sluice_batch_writer* writer_;
    std::size_t count_ = 0;
};

// A read-only view of a record a sink receives.
class SinkRecord {
public:
    explicit SinkRecord(const sluice_record* r) : r_(r) {}
    std::optional<std::string_view> key() const { return detail::view(r_->key); }
    std::optional<std::string_view> value() const { return detail::view(r_->value); }
    std::int64_t timestamp_ms() const { return r_->timestamp_ms; }
    std::string_view topic() const { return r_->topic.data ? std::string_view(r_->topic.data, r_->topic.size) : std::string_view(); }
    std::int32_t partition() const { return r_->partition; }
    std::int64_t offset() const { return r_->offset; }
    std::size_t header_count() const { return r_->header_count; }
    Header header(std::size_t i) const {
        const sluice_header* h = r_->headers[i];
        return {std::string_view(h->key.data ? h->key.data : "", h->key.size), detail::view(h->value)};
    }
    // The last header with this key, if any.
    std::optional<Header> header(std::string_view key) const {
        for (std::size_t i = r_->header_count; i-- > 0;) {
            Header h = header(i);
            if (h.key == key) return h;
        }
        return std::nullopt;
    }
    const sluice_record* raw() const { return r_; }

private:
    const sluice_record* r_;
};

class SinkRecords {
public:
    SinkRecords(const sluice_record* const* records, std::size_t count) : records_(records), count_(count) {}
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    SinkRecord operator[](std::size_t i) const { return SinkRecord(records_[i]); }

    class iterator {
    public:
        explicit iterator(const sluice_record* const* p) : p_(p) {}
        SinkRecord operator*() const { return SinkRecord(*p_); }
        iterator& operator++() { ++p_; return *this; }
        bool operator==(const iterator& o) const { return p_ == o.p_; }
        bool operator!=(const iterator& o) const { return p_ != o.p_; }
    private:
        const sluice_record* const* p_;
    };
    iterator begin() const { return iterator(records_); }
    iterator end() const { return iterator(records_ + count_); }

private:
    const sluice_record* const* records_;
    std::size_t count_;
};

struct TopicPartition {
    std::string_view topic;
    std::int32_t partition = 0;
    std::int64_t offset = SLUICE_OFFSET_UNSET;
};

}  // namespace sluice
