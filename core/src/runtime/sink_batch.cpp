#include "runtime/sink_batch.hpp"

#include <algorithm>

namespace sluice::runtime {

void SinkBatch::fetch(kafka::Consumer& consumer, size_t max, int timeout_ms, std::string& fatal) {
    messages_.swap(carried_);
    carried_.clear();
    if (messages_.size() < max) consumer.poll(messages_, max - messages_.size(), messages_.empty() ? timeout_ms : 0, fatal);
}

void SinkBatch::carry(kafka::Consumer& consumer, size_t max, int timeout_ms) {
    std::string ignored;  // a fatal error is seen by the next fetch
    consumer.poll(carried_, max, timeout_ms, ignored);
}

void SinkBatch::prepare(kafka::Consumer& consumer) {
    consumer.decode_headers(messages_, headers_, header_pointers_);
    records_.clear();
    for (const auto& m : messages_) records_.push_back(m.record);
    put_pointers_.clear();
    put_origins_.clear();
    outputs_.clear();
}

void SinkBatch::keep_assigned(kafka::Consumer& consumer, const SinkPositions& positions, size_t& start) {
    size_t out = 0, new_start = 0;
    for (size_t i = 0; i < put_origins_.size(); ++i) {
        if (!positions.assigned(records_[put_origins_[i]])) continue;
        if (i < start) ++new_start;
        put_origins_[out] = put_origins_[i];
        put_pointers_[out] = put_pointers_[i];
        ++out;
    }
    put_origins_.resize(out);
    put_pointers_.resize(out);
    start = new_start;
    for (auto* records : {&messages_, &carried_}) {
        auto gone = std::stable_partition(records->begin(), records->end(),
                                          [&](const kafka::Consumed& c) { return positions.assigned(c.record); });
        for (auto it = gone; it != records->end(); ++it) consumer.release(*it);
        records->erase(gone, records->end());
    }
}

void SinkBatch::done(kafka::Consumer& consumer) {
    release(consumer, messages_);
    outputs_.clear();
}

void SinkBatch::release_all(kafka::Consumer& consumer) {
    release(consumer, messages_);
    release(consumer, carried_);
}

void SinkBatch::release(kafka::Consumer& consumer, std::vector<kafka::Consumed>& records) {
    for (auto& c : records) consumer.release(c);
    records.clear();
}

}  // namespace sluice::runtime
