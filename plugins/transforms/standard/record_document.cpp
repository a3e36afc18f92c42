#include "record_document.hpp"

#include <memory>
#include <string>
#include <vector>

namespace sluice::transforms {

namespace {

const char owner_tag = 0;

// Documents are recycled per thread so their buffers keep their capacity: a chain then costs
// no allocation once warm. Bounded so a burst of documents held at once does not stay.
struct Pool {
    std::vector<std::unique_ptr<Document>> free;
    ~Pool() = default;
};
thread_local Pool pool;

Document* take() {
    if (pool.free.empty()) return new Document();
    Document* d = pool.free.back().release();
    pool.free.pop_back();
    return d;
}

void give_back(Document* d) {
    if (pool.free.size() >= 64) {
        delete d;
        return;
    }
    d->clear();
    pool.free.emplace_back(d);
}

sluice_status serialize_cb(void* handle, sluice_bytes* out) {
    auto* d = static_cast<Document*>(handle);
    ++document_stats().serializations;
    std::string_view text = d->serialize();
    out->data = text.data();
    out->size = text.size();
    return SLUICE_OK;
}

void release_cb(void* handle) { give_back(static_cast<Document*>(handle)); }

sluice_document wrap(Document* d) {
    sluice_document doc{};
    doc.handle = d;
    doc.owner = &owner_tag;
    doc.serialize = &serialize_cb;
    doc.release = &release_cb;
    return doc;
}

}  // namespace

DocumentStats& document_stats() {
    thread_local DocumentStats stats;
    return stats;
}

const void* document_owner() { return &owner_tag; }

std::string_view side_name(Side side) { return side == Side::key ? "key" : "value"; }

Document* record_document(TransformRecord& record, Side side, std::string_view transform) {
    sluice_document& doc = record.document(side);
    if (doc.handle != nullptr && doc.owner == &owner_tag) return static_cast<Document*>(doc.handle);
    std::optional<std::string_view> bytes = record.bytes(side);  // serialises a foreign document
    if (!bytes) return nullptr;
    Document* d = take();
    std::string error;
    ++document_stats().parses;
    if (!d->parse(*bytes, error)) {
        give_back(d);
        throw DataError(std::string(transform) + ": the record " + std::string(side_name(side)) +
                        " is not valid JSON: " + error);
    }
    record.attach_document(side, wrap(d));
    return d;
}

Document* attach_new_document(TransformRecord& record, Side side) {
    Document* d = take();
    record.attach_document(side, wrap(d));
    return d;
}

}  // namespace sluice::transforms
