// The records of one Kafka partition waiting for their insert, copied out of the worker's
// batch (whose bytes live only during put). Bytes go into one arena; each row remembers
// where its key, value and headers are, so that a record ClickHouse refuses can be handed
// to the error policy whole, exactly as it came from Kafka.
#pragma once

#include <sluice/abi.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::clickhouse {

enum class RowState : std::uint8_t {
    pending,   // not yet inserted
    inserted,  // in the table
    rejected,  // refused (by ClickHouse or before sending); reason in reject_reason()
};

class RecordBuffer {
public:
    RecordBuffer(std::string topic, std::int32_t partition);

    const std::string& topic() const { return topic_; }
    std::int32_t partition() const { return partition_; }

    // Copies the record; `local_problem` non-empty marks it refused before sending (e.g.
    // its value is not a JSON object).
    void add(const sluice_record& record, std::string_view local_problem = {});

    // Rows [begin(), end()) are live; rows before begin() were settled and dropped.
    std::size_t begin() const { return first_; }
    std::size_t end() const { return rows_.size(); }
    std::size_t size() const { return rows_.size() - first_; }
    bool empty() const { return size() == 0; }
    std::size_t bytes() const { return live_bytes_; }

    std::int64_t offset(std::size_t i) const { return rows_[i].offset; }
    std::size_t row_bytes(std::size_t i) const { return rows_[i].bytes; }
    std::optional<std::string_view> value(std::size_t i) const { return view(rows_[i].value); }
    RowState state(std::size_t i) const { return rows_[i].state; }
    const std::string& reject_reason(std::size_t i) const { return reasons_[rows_[i].reason]; }
    void mark_inserted(std::size_t i) { rows_[i].state = RowState::inserted; }
    void reject(std::size_t i, std::string reason);

    // The record as the worker gave it (key, value, headers, topic, partition, offset,
    // timestamp), pointing into this buffer: valid until the buffer changes.
    sluice_record record(std::size_t i, std::vector<sluice_header>& headers,
                         std::vector<const sluice_header*>& header_pointers) const;

    // Drops the first `n` live rows (settled ones). Storage is released once all are gone.
    void drop_front(std::size_t n);
    // Drops the live rows whose offset is <= `offset` (they are already in the table).
    // Rows are in offset order, so these are a prefix. Returns how many.
    std::size_t drop_through(std::int64_t offset);
    void clear();

private:
    struct Span {
        std::size_t pos = 0;
        std::size_t size = 0;
        bool present = false;  // false: NULL
    };
    struct Row {
        std::int64_t offset = 0;
        std::int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
        Span key, value;
        std::size_t header_first = 0, header_count = 0;
        std::size_t bytes = 0;
        std::uint32_t reason = 0;
        RowState state = RowState::pending;
    };
    struct StoredHeader {
        Span key, value;
    };
    Span store(const sluice_bytes& b);
    std::optional<std::string_view> view(const Span& s) const {
        if (!s.present) return std::nullopt;
        return std::string_view(arena_.data() + s.pos, s.size);
    }

    std::string topic_;
    std::int32_t partition_;
    std::string arena_;
    std::vector<Row> rows_;
    std::vector<StoredHeader> headers_;
    std::vector<std::string> reasons_{""};
    std::size_t first_ = 0;
    std::size_t live_bytes_ = 0;
};

}  // namespace sluice::clickhouse
