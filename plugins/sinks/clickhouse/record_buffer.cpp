#include "record_buffer.hpp"

namespace sluice::clickhouse {

RecordBuffer::RecordBuffer(std::string topic, std::int32_t partition) : topic_(std::move(topic)), partition_(partition) {}

RecordBuffer::Span RecordBuffer::store(const sluice_bytes& b) {
    Span s;
    s.present = b.data != nullptr;
    s.pos = arena_.size();
    s.size = s.present ? b.size : 0;
    if (s.size > 0) arena_.append(b.data, b.size);
    return s;
}

void RecordBuffer::add(const sluice_record& record, std::string_view local_problem) {
    const std::size_t before = arena_.size();
    Row row;
    row.offset = record.offset;
    row.timestamp_ms = record.timestamp_ms;
    row.key = store(record.key);
    row.value = store(record.value);
    row.header_first = headers_.size();
    row.header_count = record.header_count;
    for (std::size_t h = 0; h < record.header_count; ++h)
        headers_.push_back({store(record.headers[h]->key), store(record.headers[h]->value)});
    row.bytes = arena_.size() - before;
    live_bytes_ += row.bytes;
    rows_.push_back(row);
    if (!local_problem.empty()) reject(rows_.size() - 1, std::string(local_problem));
}

void RecordBuffer::reject(std::size_t i, std::string reason) {
    rows_[i].state = RowState::rejected;
    rows_[i].reason = static_cast<std::uint32_t>(reasons_.size());
    reasons_.push_back(std::move(reason));
}

sluice_record RecordBuffer::record(std::size_t i, std::vector<sluice_header>& headers,
                                   std::vector<const sluice_header*>& header_pointers) const {
    const Row& row = rows_[i];
    auto bytes = [&](const Span& s) {
        return s.present ? sluice_bytes{arena_.data() + s.pos, s.size} : sluice_bytes{nullptr, 0};
    };
    sluice_record r{};
    r.struct_size = sizeof r;
    r.key = bytes(row.key);
    r.value = bytes(row.value);
    r.timestamp_ms = row.timestamp_ms;
    r.topic = {topic_.data(), topic_.size()};
    r.partition = partition_;
    r.offset = row.offset;
    headers.clear();
    header_pointers.clear();
    for (std::size_t h = 0; h < row.header_count; ++h) {
        const StoredHeader& sh = headers_[row.header_first + h];
        headers.push_back({bytes(sh.key), bytes(sh.value)});
    }
    for (auto& h : headers) header_pointers.push_back(&h);
    r.headers = header_pointers.empty() ? nullptr : header_pointers.data();
    r.header_count = header_pointers.size();
    return r;
}

void RecordBuffer::drop_front(std::size_t n) {
    for (std::size_t k = 0; k < n && first_ < rows_.size(); ++k) live_bytes_ -= rows_[first_++].bytes;
    if (first_ == rows_.size()) clear();
}

std::size_t RecordBuffer::drop_through(std::int64_t offset) {
    std::size_t n = 0;
    while (first_ + n < rows_.size() && rows_[first_ + n].offset <= offset) ++n;
    drop_front(n);
    return n;
}

void RecordBuffer::clear() {
    arena_.clear();
    rows_.clear();
    headers_.clear();
    reasons_.resize(1);
    first_ = 0;
    live_bytes_ = 0;
}

}  // namespace sluice::clickhouse
