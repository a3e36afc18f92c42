// A sink task: consumer group "sluice-<connector>" -> plugin.put(batch) -> plugin.flush
// -> commit. Offsets are committed only after the sink's flush reported the records
// durable, and only up to what flush returned. Revoked partitions are flushed and
// committed before they go; a RETRY from put pauses consumption instead of buffering.
#pragma once

#include "runtime/connector_task.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sluice::runtime {

class SinkTask : public ConnectorTask {
public:
    SinkTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id);
    ~SinkTask() override;
    std::vector<PartitionLag> lag() const override;

private:
    using Clock = std::chrono::steady_clock;
    using TopicPartition = std::pair<std::string, int32_t>;

    void run() override;
    bool setup();
    void fetch(int timeout_ms);
    bool deliver();
    void build_records();
    bool flush_and_commit();
    void set_paused(bool paused);
    bool hold_while_paused();  // true while the connector is paused (REST pause)
    void drop_unassigned();

    // Transform chain and error policy (see ConnectorTask).
    bool prepare_put();
    void keep_assigned(size_t& start);
    bool tolerate(size_t index, const ErrantCause& cause);
    sluice_status errant(const sluice_record& record, std::string_view message) override;
    bool dead_letter(const ErrantRecord& record, const ErrantCause& cause);
    bool dead_letters_settled();
    static void on_dead_letter_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
    void update_lag();
    bool check_continuity();
    bool gap(const rd_kafka_message_t* m, int64_t expected);
    void set_start_offsets(rd_kafka_topic_partition_list_t* partitions);

    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                             void* opaque);
    void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
    void assigned(rd_kafka_topic_partition_list_t* partitions);
    void revoked(rd_kafka_topic_partition_list_t* partitions);
    std::string describe(const rd_kafka_message_t* m) const;

    kafka::Client consumer_;
    bool held_ = false;   // partitions paused for a connector pause
    bool fatal_ = false;  // the plugin said FATAL: no more calls into it but destroy

    std::vector<rd_kafka_message_t*> messages_;  // the batch being delivered
    std::vector<rd_kafka_message_t*> carried_;   // fetched while paused, delivered next
    std::vector<rd_kafka_headers_t*> message_headers_;  // per message of the batch, nullptr: none
    std::vector<sluice_record> records_;
    std::vector<const sluice_record*> record_pointers_;
    std::vector<sluice_header> headers_;
    std::vector<const sluice_header*> header_pointers_;

    // What put() is given: records_ entries, or chain outputs, with where they came from.
    struct PutEntry {
        size_t origin;                 // index in records_ (as read from Kafka)
        rd_kafka_message_t* message;
    };
    std::vector<const sluice_record*> put_pointers_;
    std::vector<PutEntry> put_entries_;
    std::deque<ChainOutput> outputs_;  // stable addresses: put_pointers_ point into them

    kafka::Client dlq_producer_;  // opened at the first dead-letter record
    rd_kafka_topic_t* dlq_topic_ = nullptr;
    size_t dlq_pending_ = 0;      // dead-letter records not yet acknowledged
    std::string dlq_failure_;     // the first dead-letter write Kafka refused

    std::map<TopicPartition, int64_t> expected_;   // where each partition's next record should be
    std::set<TopicPartition> assignment_;
    std::map<TopicPartition, int64_t> positions_;  // next offset after the last record put
    std::map<TopicPartition, int64_t> committed_;
    Clock::time_point last_flush_;
    Clock::time_point lag_updated_{};
    mutable std::mutex lag_mutex_;
    std::vector<PartitionLag> lag_;
};

}  // namespace sluice::runtime
