#include "runtime/dead_letter.hpp"

#include "kafka/produce.hpp"

#include <chrono>

namespace sluice::runtime {

rd_kafka_resp_err_t produce_dead_letter(rd_kafka_t* rk, rd_kafka_topic_t* topic, const ErrantRecord& record,
                                        const std::vector<std::pair<std::string, std::string>>& context, void* opaque) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size() + context.size());
    for (const auto& h : record.headers)
        rd_kafka_header_add(headers, h.key.data, static_cast<ssize_t>(h.key.size), h.value.data,
                            h.value.data ? static_cast<ssize_t>(h.value.size) : 0);
    for (const auto& [name, value] : context)
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
    kafka::OutgoingRecord out;
    out.topic = topic;
    out.key = record.key.data;
    out.key_size = record.key.data ? record.key.size : 0;
    out.value = record.value.data;
    out.value_size = record.value.data ? record.value.size : 0;
    out.timestamp_ms = record.timestamp_ms >= 0 ? record.timestamp_ms : 0;
    out.headers = headers;
    out.opaque = opaque;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    return kafka::produce(rk, out, [&] { return std::chrono::steady_clock::now() > deadline; });
}

}  // namespace sluice::runtime
