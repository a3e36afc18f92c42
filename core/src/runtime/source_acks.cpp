#include "runtime/source_acks.hpp"

#include "runtime/bytes_view.hpp"

#include <utility>
#include <vector>

namespace sluice::runtime {

SourceAcks::SourceAcks(kafka::Producer& producer, offsets::OffsetStore& store, const config::ConnectorSpec& spec,
                       FlowControl& flow, TapPoint& tap, TaskCounters& counters, bool transactional)
    : offsets_(producer, store, spec.name, transactional), spec_(spec), tap_(tap), counters_(counters), progress_(flow, spec.topics.front()) {}

void SourceAcks::delivered(const kafka::Delivery& d) {
    if (d.token == offsets_.token()) return offsets_.delivered(d);
    auto* batch = static_cast<AckTracker::Batch*>(d.token);
    const std::string_view topic = bytes_view(d.record.topic);
    if (spec_.errors.has_dlq() && topic == spec_.errors.dlq_topic) {
        // A dead-letter copy: it holds its batch back like a record, but is neither
        // in-flight payload nor a record written to the connector's topic.
        std::string error = d.ok() ? std::string()
                                   : "Kafka did not accept a record for the dead-letter topic " + spec_.errors.dlq_topic + ": " +
                                         std::string(d.error);
        return AckTracker::delivered(batch, d.ok() ? nullptr : error.c_str());
    }
    progress_.reported(d.bytes());
    if (!d.ok()) {
        std::string error = "Kafka did not accept a record for " + std::string(topic) + ": " + std::string(d.error);
        return AckTracker::delivered(batch, error.c_str());
    }
    if (tap_.active())
        tap_.offer([&d](TapRecord& r) {
            std::vector<sluice_header> headers;
            std::vector<const sluice_header*> pointers;
            d.headers(headers, pointers);
            sluice_record record = d.record;
            record.headers = pointers.data();
            record.header_count = pointers.size();
            fill_tap_record(r, record);
        });
    AckTracker::delivered(batch, nullptr);
    ++acked_records_;  // published to the shared counters once per advance(), not per record
    acked_bytes_ += d.bytes();
    if (topic == spec_.topics.front()) progress_.acknowledged(d.record.partition, d.record.offset, d.bytes());
}

std::optional<std::string> SourceAcks::advance() {
    if (acked_records_ > 0) {
        counters_.records_out.fetch_add(std::exchange(acked_records_, 0), std::memory_order_relaxed);
        counters_.bytes_out.fetch_add(std::exchange(acked_bytes_, 0), std::memory_order_relaxed);
    }
    progress_.publish();
    return tracker_.advance();
}

std::optional<offsets::OffsetWriter::Settled> SourceAcks::settled() {
    auto round = offsets_.settle();
    if (!round) return round;
    if (round->ok) {
        counters_.commits.fetch_add(1, std::memory_order_relaxed);
    } else {
        tracker_.restore(round->offsets);
        counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
    }
    return round;
}

void SourceAcks::flush_offsets() {
    last_flush_ = Clock::now();
    if (!offsets_.busy()) offsets_.write(tracker_.take_committable());
}

void SourceAcks::flush_offsets_every(std::chrono::milliseconds interval) {
    if (Clock::now() - last_flush_ >= interval) flush_offsets();
}

}  // namespace sluice::runtime
