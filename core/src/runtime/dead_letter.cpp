#include "runtime/dead_letter.hpp"

#include <chrono>

namespace sluice::runtime {

bool DeadLetterWriter::write(kafka::Producer& producer, const ErrantRecord& record, const ErrantCause& cause, void* token,
                             std::string& error) {
    auto context = policy_.dlq_context_headers ? errors_.context_headers(record, cause)
                                               : std::vector<std::pair<std::string, std::string>>{};
    headers_.assign(record.headers.begin(), record.headers.end());
    for (const auto& [name, value] : context) headers_.push_back({{name.data(), name.size()}, {value.data(), value.size()}});
    pointers_.clear();
    for (const auto& h : headers_) pointers_.push_back(&h);

    sluice_record out{};
    out.struct_size = sizeof(sluice_record);
    out.topic = {policy_.dlq_topic.data(), policy_.dlq_topic.size()};
    out.partition = SLUICE_ANY_PARTITION;
    out.key = record.key;
    out.value = record.value;
    out.timestamp_ms = record.timestamp_ms;
    out.headers = pointers_.data();
    out.header_count = pointers_.size();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    kafka::Sent sent = producer.send(out, token, [&] { return std::chrono::steady_clock::now() > deadline; });
    if (sent.ok()) {
        errors_.dead_lettered(cause.stage);
        return true;
    }
    error = "cannot write the failed record (" + record.where() + ") to the dead-letter topic " + policy_.dlq_topic + ": " +
            sent.error + "; the failure was: " + cause.message;
    return false;
}

}  // namespace sluice::runtime
