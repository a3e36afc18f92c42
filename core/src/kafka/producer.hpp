// Producing records: the task's view of a Kafka producer. Records are the ABI's
// sluice_record views (copied by the producer), topics are named (handles are the
// producer's business), and each delivery report reaches the handler given at opening
// with the token the record was sent with. An interface, so tasks are unit-tested against
// an in-memory producer (tests/unit/runtime/fake_kafka.hpp).
#pragma once

#include "kafka/client.hpp"

#include <sluice/abi.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::kafka {

// One delivery report.
struct Delivery {
    void* token = nullptr;      // what the record was sent with
    sluice_record record{};     // topic, partition, offset, key, value, timestamp; headers: see headers()
    std::string_view error;     // empty: Kafka acknowledged the record
    bool ok() const { return error.empty(); }
    size_t bytes() const { return record.key.size + record.value.size; }

    // The record's headers, decoded on demand (most reports never need them).
    using HeaderDecoder = void (*)(const Delivery&, std::vector<sluice_header>&, std::vector<const sluice_header*>&);
    const void* native = nullptr;
    HeaderDecoder decode_headers = nullptr;
    void headers(std::vector<sluice_header>& storage, std::vector<const sluice_header*>& pointers) const {
        storage.clear();
        pointers.clear();
        if (decode_headers) decode_headers(*this, storage, pointers);
    }
};

struct Sent {
    enum class Result {
        ok,       // handed over: a delivery report follows
        stopped,  // the queue stayed full until give_up said so
        refused,  // this record cannot be produced (too large, no such partition): the record's fault
        failed,   // the producer or cluster refused
    };
    Result result = Result::ok;
    std::string error;  // librdkafka's words when not ok
    bool ok() const { return result == Result::ok; }
};

class Producer {
public:
    using DeliveryHandler = std::function<void(const Delivery&)>;
    virtual ~Producer() = default;

    // Hands the record over (record.topic names the topic; SLUICE_ANY_PARTITION lets the
    // partitioner choose; a negative timestamp: the producer's clock). While the queue is
    // full (Kafka is slower than the caller: where a slow broker slows a source down) it
    // serves delivery reports and tries again until give_up() answers true.
    virtual Sent send(const sluice_record& record, void* token, const std::function<bool()>& give_up) = 0;
    // Serves delivery reports for up to timeout_ms.
    virtual void serve(int timeout_ms) = 0;
    // Records handed over and not yet reported.
    virtual size_t queued() const = 0;
};

// A librdkafka producer with the worker's logging; on failure null and error set.
std::unique_ptr<Producer> open_producer(const std::string& name, const Properties& properties,
                                        Producer::DeliveryHandler on_delivery, std::string& error);

}  // namespace sluice::kafka
