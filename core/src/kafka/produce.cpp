#include "kafka/produce.hpp"

namespace sluice::kafka {
namespace {

rd_kafka_resp_err_t produce_once(rd_kafka_t* rk, const OutgoingRecord& r) {
    // RD_KAFKA_V_HEADERS takes ownership and must not be given NULL; RD_KAFKA_V_RKT and
    // RD_KAFKA_V_TOPIC are alternatives: hence the four spellings.
    auto* value = const_cast<void*>(r.value);
    if (r.topic != nullptr) {
        if (r.headers != nullptr)
            return rd_kafka_producev(rk, RD_KAFKA_V_RKT(r.topic), RD_KAFKA_V_PARTITION(r.partition),
                                     RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, r.value_size),
                                     RD_KAFKA_V_KEY(r.key, r.key_size), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                                     RD_KAFKA_V_HEADERS(r.headers), RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
        return rd_kafka_producev(rk, RD_KAFKA_V_RKT(r.topic), RD_KAFKA_V_PARTITION(r.partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, r.value_size),
                                 RD_KAFKA_V_KEY(r.key, r.key_size), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                                 RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
    }
    if (r.headers != nullptr)
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(r.topic_name), RD_KAFKA_V_PARTITION(r.partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, r.value_size),
                                 RD_KAFKA_V_KEY(r.key, r.key_size), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                                 RD_KAFKA_V_HEADERS(r.headers), RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(r.topic_name), RD_KAFKA_V_PARTITION(r.partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, r.value_size),
                             RD_KAFKA_V_KEY(r.key, r.key_size), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                             RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
}

}  // namespace

rd_kafka_resp_err_t produce(rd_kafka_t* producer, OutgoingRecord record, const std::function<bool()>& give_up) {
    rd_kafka_resp_err_t err;
    while ((err = produce_once(producer, record)) == RD_KAFKA_RESP_ERR__QUEUE_FULL && !give_up())
        rd_kafka_poll(producer, 10);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && record.headers != nullptr)
        rd_kafka_headers_destroy(record.headers);  // ownership passes only on success
    return err;
}

}  // namespace sluice::kafka
