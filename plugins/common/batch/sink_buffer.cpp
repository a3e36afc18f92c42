#include "sluice/sink_buffer.hpp"

namespace sluice::batch {

SinkBuffer::Span SinkBuffer::store(const sluice_bytes& b) {
    Span s;
    if (b.data == nullptr) return s;
    s.present = true;
    s.pos = static_cast<std::uint32_t>(arena_.size());
    s.size = static_cast<std::uint32_t>(b.size);
    arena_.append(b.data, b.size);
    return s;
}

void SinkBuffer::add(const sluice_record& r) {
    if (entries_.empty()) oldest_ = Clock::now();
    Entry e;
    const std::string_view topic(r.topic.data != nullptr ? r.topic.data : "", r.topic.size);
    std::size_t t = topics_.size();
    for (std::size_t k = topics_.size(); k-- > 0;)
        if (topics_[k] == topic) {
            t = k;
            break;
        }
    if (t == topics_.size()) topics_.emplace_back(topic);
    e.topic = static_cast<std::uint32_t>(t);
    e.partition = r.partition;
    e.offset = r.offset;
    e.timestamp_ms = r.timestamp_ms;
    e.key = store(r.key);
    e.value = store(r.value);
    e.header_first = static_cast<std::uint32_t>(headers_.size());
    e.header_count = static_cast<std::uint32_t>(r.header_count);
    for (std::size_t h = 0; h < r.header_count; ++h) headers_.push_back({store(r.headers[h]->key), store(r.headers[h]->value)});
    entries_.push_back(e);
}

std::string SinkBuffer::where(std::size_t i) const {
    return topic(i) + "[" + std::to_string(partition(i)) + "]@" + std::to_string(offset(i));
}

sluice_record SinkBuffer::record(std::size_t i, std::vector<sluice_header>& headers,
                                 std::vector<const sluice_header*>& header_pointers) const {
    const Entry& e = entries_[i];
    auto bytes = [&](const Span& s) -> sluice_bytes {
        if (!s.present) return {nullptr, 0};
        return {arena_.data() + s.pos, s.size};
    };
    sluice_record r{};
    r.struct_size = sizeof r;
    r.key = bytes(e.key);
    r.value = bytes(e.value);
    r.timestamp_ms = e.timestamp_ms;
    r.topic = {topics_[e.topic].data(), topics_[e.topic].size()};
    r.partition = e.partition;
    r.offset = e.offset;
    headers.clear();
    header_pointers.clear();
    for (std::uint32_t h = 0; h < e.header_count; ++h) {
        const StoredHeader& sh = headers_[e.header_first + h];
        headers.push_back({bytes(sh.key), bytes(sh.value)});
    }
    for (auto& h : headers) header_pointers.push_back(&h);
    r.headers = header_pointers.empty() ? nullptr : header_pointers.data();
    r.header_count = header_pointers.size();
    return r;
}

// Keyed by topic number first: no topic string is copied per record.
std::map<PartitionKey, std::int64_t> SinkBuffer::first_offsets() const {
    std::map<std::pair<std::uint32_t, std::int32_t>, std::int64_t> by_number;
    for (const Entry& e : entries_) by_number.try_emplace({e.topic, e.partition}, e.offset);
    std::map<PartitionKey, std::int64_t> out;
    for (const auto& [k, offset] : by_number) out.emplace(PartitionKey{topics_[k.first], k.second}, offset);
    return out;
}

std::map<PartitionKey, std::int64_t> SinkBuffer::last_offsets() const {
    std::map<std::pair<std::uint32_t, std::int32_t>, std::int64_t> by_number;
    for (const Entry& e : entries_) {
        auto [it, inserted] = by_number.try_emplace({e.topic, e.partition}, e.offset);
        if (!inserted && e.offset > it->second) it->second = e.offset;
    }
    std::map<PartitionKey, std::int64_t> out;
    for (const auto& [k, offset] : by_number) out.emplace(PartitionKey{topics_[k.first], k.second}, offset);
    return out;
}

void SinkBuffer::clear() {
    arena_.clear();
    entries_.clear();
    headers_.clear();
    if (arena_.capacity() > (64u << 20)) arena_.shrink_to_fit();  // one huge batch need not pin its memory
}

void SinkBuffer::append(SinkBuffer&& newer) {
    std::vector<sluice_header> headers;
    std::vector<const sluice_header*> pointers;
    const bool was_empty = entries_.empty();
    for (std::size_t i = 0; i < newer.size(); ++i) {
        add(newer.record(i, headers, pointers));
        entries_.back().reported = newer.entries_[i].reported;
    }
    if (was_empty) oldest_ = newer.oldest_;
    newer.clear();
}

void SinkBuffer::drop(const std::set<PartitionKey>& partitions) {
    if (partitions.empty() || entries_.empty()) return;
    SinkBuffer kept;
    kept.oldest_ = oldest_;
    std::vector<sluice_header> headers;
    std::vector<const sluice_header*> pointers;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (partitions.count({topic(i), partition(i)})) continue;
        const bool reported_before = entries_[i].reported;
        kept.add(record(i, headers, pointers));
        kept.entries_.back().reported = reported_before;
    }
    kept.oldest_ = oldest_;
    *this = std::move(kept);
}

}  // namespace sluice::batch
