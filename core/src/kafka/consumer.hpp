// Consuming records in a consumer group: the sink task's view of a Kafka consumer.
// Polled records come as the ABI's sluice_record views into messages the consumer owns
// until they are released; assignments and revocations reach a listener from inside
// poll(), as librdkafka's rebalance callback does. An interface, so tasks are unit-tested
// against an in-memory consumer (tests/unit/runtime/fake_kafka.hpp).
#pragma once

#include "kafka/client.hpp"
#include "kafka/partition.hpp"

#include <sluice/abi.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::kafka {

// One polled record: `record` points into `native` (topic, key, value; no headers until
// decode_headers), valid until the consumer releases it.
struct Consumed {
    sluice_record record{};
    void* native = nullptr;
    size_t bytes() const { return record.key.size + record.value.size; }
    TopicPartition where() const { return {std::string(record.topic.data, record.topic.size), record.partition}; }
};

struct Watermarks {
    int64_t low = 0, high = 0;
};

class Consumer {
public:
    // Rebalance events, called from inside poll().
    class Listener {
    public:
        virtual ~Listener() = default;
        // The partitions are the consumer's now; the listener may set where each starts
        // (offset >= 0), otherwise the committed offset or auto.offset.reset decides.
        virtual void assigned(std::vector<PartitionOffset>& partitions) = 0;
        // The partitions are taken away; `lost`: someone else owns them already (no commit).
        virtual void revoked(const std::vector<PartitionOffset>& partitions, bool lost) = 0;
    };

    virtual ~Consumer() = default;

    virtual bool subscribe(const std::vector<std::string>& topics, std::string& error) = 0;
    // Appends up to `max` records, waiting up to timeout_ms for the first. An error the
    // consumer cannot recover from is returned in `fatal`; others are logged.
    virtual void poll(std::vector<Consumed>& out, size_t max, int timeout_ms, std::string& fatal) = 0;
    virtual void release(Consumed& record) = 0;
    // Fills the records' headers (storage sized by the consumer; records point into it).
    virtual void decode_headers(std::vector<Consumed>& records, std::vector<sluice_header>& storage,
                                std::vector<const sluice_header*>& pointers) = 0;
    // Pauses or resumes every assigned partition (the group membership stays alive).
    virtual void pause(bool paused) = 0;
    virtual bool commit(const std::vector<PartitionOffset>& offsets, std::string& error) = 0;
    // The group's committed offsets of these partitions (offset -1: none); false on failure.
    virtual bool committed(std::vector<PartitionOffset>& partitions, int timeout_ms) = 0;
    // The partition's watermarks as last seen by fetches (no request to the broker).
    virtual std::optional<Watermarks> cached_watermarks(const TopicPartition& partition) = 0;
    // Leaves the group; the listener sees the final revocation.
    virtual void close() = 0;
};

// A librdkafka consumer in `properties`' group.id with the worker's logging; on failure
// null and error set.
std::unique_ptr<Consumer> open_consumer(const std::string& name, const Properties& properties, Consumer::Listener& listener,
                                        std::string& error);

}  // namespace sluice::kafka
