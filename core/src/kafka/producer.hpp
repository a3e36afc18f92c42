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

// The outcome of a transactional call, classified the way librdkafka asks callers to act.
struct TransactionError {
    enum class Kind {
        none,       // done
        retriable,  // try the same call again (a timeout, the coordinator not ready yet)
        abortable,  // the transaction failed: abort it; the producer can go on
        fatal,      // the producer is dead (fenced by a newer one with the same transactional.id, ...)
    };
    Kind kind = Kind::none;
    std::string message;  // librdkafka's words when not none
    bool ok() const { return kind == Kind::none; }
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

    // Transactions (exactly-once sources), for a producer opened with transactional.id.
    // init_transactions once: it fences every older producer with the same id (a zombie
    // task) and aborts the transaction it left open. Then begin_transaction, send, and
    // commit_transaction, which first delivers everything produced (serving delivery reports
    // on the caller's thread), or abort_transaction, which fails what is still queued and
    // reports it. A timeout of -1: what remains of the producer's transaction.timeout.ms.
    virtual TransactionError init_transactions(int timeout_ms) = 0;
    virtual TransactionError begin_transaction() = 0;
    virtual TransactionError commit_transaction(int timeout_ms) = 0;
    virtual TransactionError abort_transaction(int timeout_ms) = 0;
};

// A librdkafka producer with the worker's logging; on failure null and error set.
std::unique_ptr<Producer> open_producer(const std::string& name, const Properties& properties,
                                        Producer::DeliveryHandler on_delivery, std::string& error);

}  // namespace sluice::kafka
