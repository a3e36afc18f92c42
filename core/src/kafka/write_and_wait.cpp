#include "kafka/write_and_wait.hpp"

#include "kafka/cluster.hpp"
#include "kafka/producer.hpp"

#include <chrono>

namespace sluice::kafka {

KeyedWriter::KeyedWriter(Cluster& cluster, std::string name) : cluster_(cluster), name_(std::move(name)) {}

KeyedWriter::~KeyedWriter() = default;

std::optional<std::string> KeyedWriter::write(const std::string& topic, const std::vector<KeyedRecord>& records, int timeout_ms) {
    if (records.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    if (!producer_) {
        std::string error;
        producer_ = open_producer(name_, cluster_.producer_properties(), [this](const Delivery& d) {
            if (d.ok()) return;
            ++failed_;
            refusal_ = d.error;
        }, error);
        if (!producer_) return "producer for " + topic + ": " + error;
    }
    failed_ = 0;
    refusal_.clear();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    auto late = [&] { return std::chrono::steady_clock::now() > deadline; };
    for (const auto& r : records) {
        sluice_record out{};
        out.struct_size = sizeof(sluice_record);
        out.topic = {topic.data(), topic.size()};
        out.partition = r.partition < 0 ? SLUICE_ANY_PARTITION : r.partition;
        out.timestamp_ms = SLUICE_NO_TIMESTAMP;
        out.key = {r.key.data(), r.key.size()};
        out.value = {r.value ? r.value->data() : nullptr, r.value ? r.value->size() : 0};
        Sent sent = producer_->send(out, nullptr, late);
        if (!sent.ok()) return "cannot write to " + topic + ": " + sent.error;
    }
    const auto acknowledged = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (producer_->queued() > 0 && std::chrono::steady_clock::now() < acknowledged) producer_->serve(50);
    if (producer_->queued() > 0) {
        producer_.reset();  // what is still queued must not land after the caller was told it failed... as far as we can help it
        return topic + " did not acknowledge the records within " + std::to_string(timeout_ms) + " ms (is Kafka reachable?)";
    }
    if (failed_) return std::to_string(failed_) + " records were refused by " + topic + ": " + refusal_;
    return std::nullopt;
}

std::optional<std::string> write_and_wait(Cluster& cluster, const std::string& topic, const std::vector<KeyedRecord>& records,
                                          int timeout_ms) {
    return KeyedWriter(cluster, "rest-offsets").write(topic, records, timeout_ms);
}

}  // namespace sluice::kafka
