// Handing one record to a librdkafka producer: the one place that waits while the
// producer's queue is full, and that owns the headers until Kafka takes them.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>

namespace sluice::kafka {

// Views into the caller's memory (librdkafka copies them). A null key: no key; a null
// value: a tombstone.
struct OutgoingRecord {
    rd_kafka_topic_t* topic = nullptr;    // a topic handle, or
    const char* topic_name = nullptr;     // a name, when the caller has no handle
    int32_t partition = RD_KAFKA_PARTITION_UA;
    const void* key = nullptr;
    size_t key_size = 0;
    const void* value = nullptr;
    size_t value_size = 0;
    int64_t timestamp_ms = 0;              // 0: the producer's clock
    rd_kafka_headers_t* headers = nullptr;  // owned: Kafka's on success, destroyed otherwise
    void* opaque = nullptr;                 // the delivery report's
};

// Produces the record. While the producer's queue is full (Kafka is slower than the
// caller: this is where a slow broker slows a source down) it serves delivery reports and
// tries again, until `give_up` answers true: then it returns RD_KAFKA_RESP_ERR__QUEUE_FULL.
rd_kafka_resp_err_t produce(rd_kafka_t* producer, OutgoingRecord record, const std::function<bool()>& give_up);

}  // namespace sluice::kafka
