#include "kafka/write_and_wait.hpp"

#include "kafka/cluster.hpp"
#include "kafka/producer.hpp"

#include <chrono>

namespace sluice::kafka {

std::optional<std::string> write_and_wait(Cluster& cluster, const std::string& topic, const std::vector<KeyedRecord>& records,
                                          int timeout_ms) {
    if (records.empty()) return std::nullopt;
    size_t failed = 0;
    std::string refusal;
    auto on_delivery = [&](const Delivery& d) {
        if (d.ok()) return;
        ++failed;
        refusal = d.error;
    };
    std::string error;
    auto producer = open_producer("rest-offsets", cluster.producer_properties(), on_delivery, error);
    if (!producer) return "producer for " + topic + ": " + error;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    auto late = [&] { return std::chrono::steady_clock::now() > deadline; };
    for (const auto& r : records) {
        sluice_record out{};
        out.struct_size = sizeof(sluice_record);
        out.topic = {topic.data(), topic.size()};
        out.partition = SLUICE_ANY_PARTITION;
        out.timestamp_ms = SLUICE_NO_TIMESTAMP;
        out.key = {r.key.data(), r.key.size()};
        out.value = {r.value ? r.value->data() : nullptr, r.value ? r.value->size() : 0};
        Sent sent = producer->send(out, nullptr, late);
        if (!sent.ok()) return "cannot write to " + topic + ": " + sent.error;
    }
    const auto acknowledged = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (producer->queued() > 0 && std::chrono::steady_clock::now() < acknowledged) producer->serve(50);
    if (producer->queued() > 0) return topic + " did not acknowledge the records in time";
    if (failed) return std::to_string(failed) + " records were refused by " + topic + ": " + refusal;
    return std::nullopt;
}

}  // namespace sluice::kafka
