// The bridge between a record in a transform chain and this library's Document: the first
// transform that needs the key or value parses it and attaches the document to the record;
// the next transforms of this library find it there (same owner) and edit it; the worker
// serialises it once at the end of the chain. A document made by another library is
// serialised and released first (abi.h), then parsed here.
#pragma once

#include "json_document.hpp"

#include <sluice/sdk.hpp>

#include <cstdint>
#include <string_view>

namespace sluice::transforms {

// Counts per thread, for tests and the bench (a chain must parse and serialise once).
struct DocumentStats {
    std::uint64_t parses = 0;
    std::uint64_t serializations = 0;
};
DocumentStats& document_stats();

// The owner tag of this library's documents (sluice_document.owner).
const void* document_owner();

// The record's key/value as this library's document, parsing (and attaching) it when
// needed. Returns nullptr for a null key/value. Throws DataError naming `transform` when the
// bytes are not JSON.
Document* record_document(TransformRecord& record, Side side, std::string_view transform);

// A fresh document (from a per-thread pool) attached to the record as its key/value.
Document* attach_new_document(TransformRecord& record, Side side);

std::string_view side_name(Side side);

}  // namespace sluice::transforms
