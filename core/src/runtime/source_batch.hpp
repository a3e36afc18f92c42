// The records of one source poll, copied out of the plugin into one arena: the plugin
// may reuse its buffers as soon as append() returns, and the batch costs one growing
// buffer instead of an allocation per record.
#pragma once

#include <sluice/abi.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::runtime {

class SourceBatch {
public:
    struct Span {
        uint64_t offset = 0;
        uint32_t size = 0;
        bool null = true;
    };
    struct Header {
        Span key, value;
    };
    struct Record {
        Span key, value, topic, source_partition, source_offset;
        int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
        int32_t partition = SLUICE_ANY_PARTITION;
        uint32_t header_begin = 0, header_count = 0;
    };

    explicit SourceBatch(size_t max_records);

    sluice_batch_writer* writer() { return &writer_; }
    void clear();
    size_t size() const { return records_.size(); }
    bool empty() const { return records_.empty(); }
    const Record& operator[](size_t i) const { return records_[i]; }
    const Header& header(size_t i) const { return headers_[i]; }
    uint64_t payload_bytes() const { return arena_.size(); }

    // Pointer to a span's bytes (nullptr for null); valid until the next append or clear.
    const char* data(const Span& s) const { return s.null ? nullptr : arena_.data() + s.offset; }
    std::string_view view(const Span& s) const { return s.null ? std::string_view() : std::string_view(arena_.data() + s.offset, s.size); }

    // Record i as the ABI's view (topic: `default_topic` when the plugin named none), its
    // headers in `headers`/`pointers`; valid until they or the batch change.
    sluice_record record(size_t i, std::string_view default_topic, std::vector<sluice_header>& headers,
                         std::vector<const sluice_header*>& pointers) const;
    // The last offset of each source partition in the batch, checked and in canonical form
    // (before a single record is produced: a malformed offset must not reach Kafka
    // half-way). False with `error` naming the record when one is not a JSON object.
    bool last_offsets(std::vector<std::pair<std::string, std::string>>& out, std::string& error) const;

private:
    static sluice_status append(void* self, const sluice_record* record, sluice_error* err);
    bool copy(const sluice_bytes& bytes, Span& out, const char* field, sluice_error* err);

    std::vector<char> arena_;
    std::vector<Record> records_;
    std::vector<Header> headers_;
    sluice_batch_writer writer_{};
};

}  // namespace sluice::runtime
