#include "runtime/source_batch.hpp"

#include "common/text.hpp"
#include "offsets/offset_codec.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_map>

namespace sluice::runtime {

namespace {
void set_error(sluice_error* err, const std::string& message) {
    if (err == nullptr || err->message == nullptr || err->capacity == 0) return;
    size_t n = std::min(message.size(), err->capacity - 1);
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
}
}  // namespace

SourceBatch::SourceBatch(size_t max_records) {
    writer_.opaque = this;
    writer_.max_records = max_records;
    writer_.append = &SourceBatch::append;
    records_.reserve(std::min<size_t>(max_records, 100000));
}

void SourceBatch::clear() {
    arena_.clear();
    records_.clear();
    headers_.clear();
}

bool SourceBatch::copy(const sluice_bytes& bytes, Span& out, const char* field, sluice_error* err) {
    if (bytes.data == nullptr) {
        if (bytes.size != 0) {
            set_error(err, std::string(field) + " has a size but no data");
            return false;
        }
        out = Span{};
        return true;
    }
    if (bytes.size > std::numeric_limits<uint32_t>::max()) {
        set_error(err, std::string(field) + " is larger than 4 GiB");
        return false;
    }
    out.null = false;
    out.offset = arena_.size();
    out.size = static_cast<uint32_t>(bytes.size);
    arena_.insert(arena_.end(), bytes.data, bytes.data + bytes.size);
    return true;
}

sluice_status SourceBatch::append(void* self, const sluice_record* r, sluice_error* err) {
    auto* batch = static_cast<SourceBatch*>(self);
    if (r == nullptr || r->struct_size < offsetof(sluice_record, value) + sizeof(r->value)) {
        set_error(err, "record is NULL or its struct_size is too small");
        return SLUICE_ERROR;
    }
    Record rec;
    bool ok = batch->copy(r->key, rec.key, "key", err) && batch->copy(r->value, rec.value, "value", err);
    if (ok && SLUICE_HAS_FIELD(r, sluice_record, timestamp_ms)) rec.timestamp_ms = r->timestamp_ms;
    if (ok && SLUICE_HAS_FIELD(r, sluice_record, header_count) && r->header_count > 0) {
        if (r->headers == nullptr) {
            set_error(err, "record says it has headers but headers is NULL");
            ok = false;
        }
        rec.header_begin = static_cast<uint32_t>(batch->headers_.size());
        for (size_t i = 0; ok && i < r->header_count; ++i) {
            const sluice_header* h = r->headers[i];
            Header copy;
            if (h == nullptr || h->key.data == nullptr) {
                set_error(err, "header " + std::to_string(i) + " has no key");
                ok = false;
                break;
            }
            ok = batch->copy(h->key, copy.key, "header key", err) && batch->copy(h->value, copy.value, "header value", err);
            batch->headers_.push_back(copy);
            ++rec.header_count;
        }
    }
    if (ok && SLUICE_HAS_FIELD(r, sluice_record, partition)) {
        ok = batch->copy(r->topic, rec.topic, "topic", err);
        rec.partition = r->partition;
    }
    if (ok && SLUICE_HAS_FIELD(r, sluice_record, source_offset)) {
        ok = batch->copy(r->source_partition, rec.source_partition, "source_partition", err) &&
             batch->copy(r->source_offset, rec.source_offset, "source_offset", err);
        if (ok && rec.source_partition.null != rec.source_offset.null) {
            set_error(err, "a record needs both source_partition and source_offset, or neither");
            ok = false;
        }
    }
    if (!ok) return SLUICE_ERROR;
    batch->records_.push_back(rec);
    return SLUICE_OK;
}


sluice_record SourceBatch::record(size_t i, std::string_view default_topic, std::vector<sluice_header>& headers,
                                  std::vector<const sluice_header*>& pointers) const {
    const Record& r = records_[i];
    headers.resize(r.header_count);
    pointers.resize(r.header_count);
    for (uint32_t h = 0; h < r.header_count; ++h) {
        const Header& hdr = headers_[r.header_begin + h];
        headers[h] = {{data(hdr.key), hdr.key.size}, {data(hdr.value), hdr.value.null ? 0 : hdr.value.size}};
        pointers[h] = &headers[h];
    }
    sluice_record rec{};
    rec.struct_size = sizeof(sluice_record);
    rec.key = {data(r.key), r.key.size};
    rec.value = {data(r.value), r.value.size};
    rec.timestamp_ms = r.timestamp_ms;
    rec.headers = pointers.data();
    rec.header_count = r.header_count;
    rec.topic = r.topic.null ? sluice_bytes{default_topic.data(), default_topic.size()} : sluice_bytes{data(r.topic), r.topic.size};
    rec.partition = r.partition;
    rec.offset = -1;
    rec.source_partition = {data(r.source_partition), r.source_partition.size};
    rec.source_offset = {data(r.source_offset), r.source_offset.size};
    return rec;
}

bool SourceBatch::last_offsets(std::vector<std::pair<std::string, std::string>>& out, std::string& error) const {
    struct Last {
        std::string_view partition, offset;
        size_t index;
    };
    std::vector<Last> last;
    std::unordered_map<std::string_view, size_t> index;  // used once partitions are many
    for (size_t i = 0; i < records_.size(); ++i) {
        const Record& r = records_[i];
        if (r.source_partition.null) continue;
        std::string_view p = view(r.source_partition), o = view(r.source_offset);
        if (!last.empty() && last.back().partition == p) {
            last.back().offset = o;
            last.back().index = i;
            continue;
        }
        if (last.size() < 8) {
            auto it = std::find_if(last.begin(), last.end(), [&](const Last& l) { return l.partition == p; });
            if (it != last.end()) {
                it->offset = o;
                it->index = i;
                continue;
            }
            last.push_back({p, o, i});
            if (last.size() == 8)
                for (size_t j = 0; j < last.size(); ++j) index.emplace(last[j].partition, j);
            continue;
        }
        auto [it, inserted] = index.emplace(p, last.size());
        if (inserted) last.push_back({p, o, i});
        else last[it->second] = {p, o, i};
    }
    for (const auto& l : last) {
        auto partition = offsets::canonical_object(l.partition);
        if (!partition) {
            error = "record " + std::to_string(l.index) + " of the batch has a source_partition that is not a JSON object: " +
                    text::shown(l.partition, 120);
            return false;
        }
        auto offset = offsets::canonical_object(l.offset);
        if (!offset) {
            error = "record " + std::to_string(l.index) + " of the batch has a source_offset that is not a JSON object: " +
                    text::shown(l.offset, 120);
            return false;
        }
        out.emplace_back(std::move(*partition), std::move(*offset));
    }
    return true;
}

}  // namespace sluice::runtime
