// A source task: plugin.poll -> produce -> in-order acknowledgements -> offsets written to
// the offsets topic (only ever up to the last record Kafka acknowledged, with every record
// before it) -> plugin.commit.
#pragma once

#include "runtime/ack_tracker.hpp"
#include "runtime/connector_task.hpp"
#include "runtime/source_batch.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sluice::runtime {

class SourceTask : public ConnectorTask {
public:
    SourceTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id);
    ~SourceTask() override;

private:
    using Clock = std::chrono::steady_clock;

    void run() override;
    bool setup();
    bool send_batch();
    rd_kafka_topic_t* topic_handle(std::string_view topic, std::string& error);
    bool collect_offsets(AckTracker::Batch* batch, std::string& error);
    void abandon(AckTracker::Batch* batch, const std::string& reason);

    // Error policy and transform chain (see ConnectorTask).
    enum class Produced { ok, stopping, failed, rejected /* by the error policy */ };
    Produced produce(AckTracker::Batch* b, rd_kafka_topic_t* rkt, int32_t partition, sluice_bytes key, sluice_bytes value,
                     int64_t timestamp_ms, rd_kafka_headers_t* headers, std::string& error);
    Produced send_transformed(AckTracker::Batch* b, size_t index, std::string& error);
    sluice_record polled_record(size_t index, std::vector<sluice_header>& headers,
                                std::vector<const sluice_header*>& pointers) const;
    bool tolerate(AckTracker::Batch* b, const sluice_record& original, const ErrantCause& cause, std::string& error);
    sluice_status errant(const sluice_record& record, std::string_view message) override;
    bool poll_failed(const std::string& message);
    static bool record_refused(rd_kafka_resp_err_t err);
    rd_kafka_resp_err_t last_produce_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    // Serves delivery reports for up to timeout_ms; false when the task must stop.
    bool serve(int timeout_ms);
    void flush_offsets();
    void drain();
    bool wait_for_room();

    static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
    void delivered(const rd_kafka_message_t* message);

    const std::string& topic_;

    kafka::Client producer_;
    rd_kafka_topic_t* main_topic_ = nullptr;
    rd_kafka_topic_t* offsets_topic_ = nullptr;
    std::map<std::string, rd_kafka_topic_t*, std::less<>> other_topics_;
    SourceBatch batch_;
    AckTracker tracker_;
    AckTracker::Batch* open_batch_ = nullptr;  // opened by a dead-letter write during poll()
    rd_kafka_topic_t* dead_letter_topic_ = nullptr;  // set at the first dead-letter write

    // Offsets being written: handed to the store and the plugin once all are acknowledged.
    char offset_write_marker_ = 0;
    size_t offset_writes_pending_ = 0;
    bool offset_write_failed_ = false;
    std::map<std::string, std::string> offsets_in_flight_;
    Clock::time_point last_offset_flush_;

    // Backpressure bookkeeping for the main topic (only when a local sink reads it).
    bool watched_ = false;
    struct PartitionProgress {
        int64_t end = 0;
        uint64_t bytes = 0;
        uint64_t records = 0;
        bool changed = false;
    };
    std::vector<PartitionProgress> progress_;
    int64_t in_flight_bytes_ = 0;
    int empty_fast_polls_ = 0;    // consecutive polls that returned nothing without waiting
    uint64_t acked_records_ = 0;  // acknowledged since the last serve()
    uint64_t acked_bytes_ = 0;
};

}  // namespace sluice::runtime
