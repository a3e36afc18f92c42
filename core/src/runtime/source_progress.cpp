#include "runtime/source_progress.hpp"

#include <algorithm>

namespace sluice::runtime {

void SourceProgress::acknowledged(int32_t partition, int64_t offset, uint64_t bytes) {
    if (!watched_ || partition < 0) return;
    if (static_cast<size_t>(partition) >= partitions_.size()) partitions_.resize(partition + 1);
    Partition& p = partitions_[partition];
    p.end = std::max(p.end, offset + 1);
    p.bytes += bytes;
    ++p.records;
    p.changed = true;
}

void SourceProgress::publish() {
    for (size_t i = 0; i < partitions_.size(); ++i) {
        Partition& p = partitions_[i];
        if (!p.changed) continue;
        p.changed = false;
        flow_.writer_progress(topic_, static_cast<int32_t>(i), p.end,
                              p.records ? static_cast<double>(p.bytes) / static_cast<double>(p.records) : 0);
    }
}

}  // namespace sluice::runtime
