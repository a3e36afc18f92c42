// Writing a failed record to the connector's dead-letter topic, for both kinds of task:
// unchanged key, value, timestamp and headers, plus the context headers when
// errors.deadletterqueue.context.headers.enable.
#pragma once

#include "kafka/producer.hpp"
#include "runtime/error_handler.hpp"

#include <string>

namespace sluice::runtime {

class DeadLetterWriter {
public:
    DeadLetterWriter(const config::ErrorPolicy& policy, ErrorHandler& errors) : policy_(policy), errors_(errors) {}

    // Hands the record to `producer` (waiting while its queue is full, up to 30 s); its
    // delivery report carries `token`. False with `error` set when it was not handed over.
    bool write(kafka::Producer& producer, const ErrantRecord& record, const ErrantCause& cause, void* token, std::string& error);
    const std::string& topic() const { return policy_.dlq_topic; }

private:
    const config::ErrorPolicy& policy_;
    ErrorHandler& errors_;
    std::vector<sluice_header> headers_;
    std::vector<const sluice_header*> pointers_;
};

}  // namespace sluice::runtime
