#include "runtime/source_batch.hpp"

#include <cstring>
#include <limits>

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

}  // namespace sluice::runtime
