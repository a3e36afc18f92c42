#include "runtime/dead_letter.hpp"

#include <chrono>

namespace sluice::runtime {

rd_kafka_resp_err_t produce_dead_letter(rd_kafka_t* rk, rd_kafka_topic_t* topic, const ErrantRecord& record,
                                        const std::vector<std::pair<std::string, std::string>>& context, void* opaque) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
        rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size() + context.size());
        for (const auto& h : record.headers)
            rd_kafka_header_add(headers, h.key.data, static_cast<ssize_t>(h.key.size), h.value.data,
                                h.value.data ? static_cast<ssize_t>(h.value.size) : 0);
        for (const auto& [name, value] : context)
            rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                                static_cast<ssize_t>(value.size()));
        const int64_t timestamp = record.timestamp_ms >= 0 ? record.timestamp_ms : 0;
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data), record.value.data ? record.value.size : 0),
            RD_KAFKA_V_KEY(record.key.data, record.key.data ? record.key.size : 0), RD_KAFKA_V_TIMESTAMP(timestamp),
            RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        if (err) rd_kafka_headers_destroy(headers);  // ownership passes only on success
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > deadline) return err;
        rd_kafka_poll(rk, 10);
    }
}

}  // namespace sluice::runtime
