// The records a sink task is delivering: the messages polled from Kafka (owned until
// released), their records with headers as put() sees them, what the transform chain made
// of them, and the records fetched meanwhile (during a pause or a put() retry) that are
// delivered next.
#pragma once

#include "kafka/consumer.hpp"
#include "runtime/sink_positions.hpp"
#include "runtime/transform_chain.hpp"

#include <deque>
#include <string>
#include <vector>

namespace sluice::runtime {

class SinkBatch {
public:
    // The next batch: what was carried over, then up to `max` in all from the consumer.
    void fetch(kafka::Consumer& consumer, size_t max, int timeout_ms, std::string& fatal);
    // Polls without delivering (keeps the group membership alive): delivered next time.
    void carry(kafka::Consumer& consumer, size_t max, int timeout_ms);
    // The polled records as put() sees them, headers decoded; no put entries yet.
    void prepare(kafka::Consumer& consumer);

    std::vector<kafka::Consumed>& messages() { return messages_; }
    const std::vector<sluice_record>& records() const { return records_; }
    bool empty() const { return messages_.empty(); }

    // What put() is given: records_ entries or chain outputs, with the index of the record
    // (as read from Kafka) each came from.
    void put_record(size_t origin) { put(&records_[origin], origin); }
    ChainOutput& new_output() { return outputs_.emplace_back(); }
    void put_output(size_t origin) { put(&outputs_.back().record(), origin); }
    void drop_output() { outputs_.pop_back(); }
    const sluice_record* const* put_pointers() const { return put_pointers_.data(); }
    size_t put_size() const { return put_pointers_.size(); }
    size_t origin(size_t put_index) const { return put_origins_[put_index]; }

    // After a rebalance: entries and records of partitions no longer assigned go; `start`
    // (the first entry not yet accepted by put) follows.
    void keep_assigned(kafka::Consumer& consumer, const SinkPositions& positions, size_t& start);
    // The batch is done: its messages released.
    void done(kafka::Consumer& consumer);
    void release_all(kafka::Consumer& consumer);

private:
    void put(const sluice_record* record, size_t origin) {
        put_pointers_.push_back(record);
        put_origins_.push_back(origin);
    }
    static void release(kafka::Consumer& consumer, std::vector<kafka::Consumed>& records);

    std::vector<kafka::Consumed> messages_;  // the batch being delivered
    std::vector<kafka::Consumed> carried_;   // fetched while paused or retrying, delivered next
    std::vector<sluice_record> records_;     // messages_' records, with their headers
    std::vector<sluice_header> headers_;
    std::vector<const sluice_header*> header_pointers_;
    std::vector<const sluice_record*> put_pointers_;
    std::vector<size_t> put_origins_;
    std::deque<ChainOutput> outputs_;  // stable addresses: put_pointers_ point into them
};

}  // namespace sluice::runtime
