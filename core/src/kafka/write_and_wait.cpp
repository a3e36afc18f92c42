#include "kafka/write_and_wait.hpp"

#include "kafka/cluster.hpp"
#include "kafka/produce.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>

namespace sluice::kafka {

namespace {

struct Delivery {
    int failed = 0;
    std::string error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* d = static_cast<Delivery*>(m->_private);
    if (d && m->err) {
        ++d->failed;
        d->error = rd_kafka_err2str(m->err);
    }
}

}  // namespace

std::optional<std::string> write_and_wait(Cluster& cluster, const std::string& topic, const std::vector<KeyedRecord>& records,
                                          int timeout_ms) {
    if (records.empty()) return std::nullopt;
    ClientConfig config("rest-offsets");
    if (auto e = config.set_all(cluster.producer_properties())) return "producer for " + topic + ": " + *e;
    rd_kafka_conf_set_dr_msg_cb(config.get(), &on_delivery);
    std::string error;
    Client producer(RD_KAFKA_PRODUCER, config, error);
    if (!producer) return "producer for " + topic + ": " + error;
    Delivery delivery;
    for (const auto& r : records) {
        OutgoingRecord out;
        out.topic_name = topic.c_str();
        out.key = r.key.data();
        out.key_size = r.key.size();
        out.value = r.value ? r.value->data() : nullptr;
        out.value_size = r.value ? r.value->size() : 0;
        out.opaque = &delivery;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        if (rd_kafka_resp_err_t err = produce(producer.get(), out, [&] { return std::chrono::steady_clock::now() > deadline; }))
            return "cannot write to " + topic + ": " + rd_kafka_err2str(err);
    }
    if (rd_kafka_flush(producer.get(), timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return topic + " did not acknowledge the records in time";
    if (delivery.failed) return std::to_string(delivery.failed) + " records were refused by " + topic + ": " + delivery.error;
    return std::nullopt;
}

}  // namespace sluice::kafka
