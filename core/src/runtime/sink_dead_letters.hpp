// A sink task's dead-letter records: written through a producer of their own, opened at
// the first one, and counted until Kafka acknowledges them, because the sink's offsets may
// pass a dead-lettered record only once Kafka has its copy.
#pragma once

#include "kafka/producer.hpp"
#include "runtime/dead_letter.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace sluice::runtime {

class SinkDeadLetters {
public:
    using OpenProducer = std::function<std::unique_ptr<kafka::Producer>(kafka::Producer::DeliveryHandler)>;

    SinkDeadLetters(DeadLetterWriter& writer, OpenProducer open) : writer_(writer), open_(std::move(open)) {}

    // False with `error` set when the record was not handed over (error empty: the
    // producer could not be opened, and the task already failed saying why).
    bool write(const ErrantRecord& record, const ErrantCause& cause, std::string& error);

    enum class State { settled, pending, failed };
    // Waits up to `timeout` for every write to be acknowledged; `failure` says which was not.
    State settle(std::chrono::milliseconds timeout, std::string& failure);
    size_t pending() const { return pending_; }
    void close() { producer_.reset(); }

private:
    void delivered(const kafka::Delivery& d);

    DeadLetterWriter& writer_;
    OpenProducer open_;
    std::unique_ptr<kafka::Producer> producer_;
    size_t pending_ = 0;    // written, not yet acknowledged
    std::string failure_;   // the first write Kafka refused
};

}  // namespace sluice::runtime
