// A sink task: consumer group "sluice-<connector>" -> plugin.put(batch) -> plugin.flush
// -> commit. Offsets are committed only after the sink's flush reported the records
// durable, and only up to what flush returned. Revoked partitions are flushed and
// committed before they go; a RETRY from put pauses consumption instead of buffering.
// Composed of a Kafka consumer, the batch being delivered (SinkBatch), the partition
// positions (SinkPositions), the dead-letter writer (SinkDeadLetters) and the flush and
// commit (SinkCommit).
#pragma once

#include "kafka/consumer.hpp"
#include "runtime/connector_parts.hpp"
#include "runtime/dead_letter.hpp"
#include "runtime/sink_batch.hpp"
#include "runtime/sink_commit.hpp"
#include "runtime/sink_dead_letters.hpp"
#include "runtime/sink_positions.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sluice::runtime {

class SinkTask : public Task, private kafka::Consumer::Listener {
public:
    SinkTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id);
    ~SinkTask() override;
    std::vector<PartitionLag> lag() const override;

private:
    using Clock = std::chrono::steady_clock;

    ConnectorParts c_;  // first: the members below use it
    std::unique_ptr<plugin::Sink> instance_;  // in this process or in a plugin host


    void run() override;
    bool setup();
    void fetch(int timeout_ms);
    bool deliver();
    bool put_all();
    void put_done(size_t refused);
    bool flush_and_commit();
    bool hold_while_paused();  // true while the connector is paused (REST pause)
    bool gap(const SinkPositions::Gap& gap);
    void update_lag();

    // Transform chain and error policy (ConnectorParts).
    bool prepare_put();
    bool tolerate(size_t index, const ErrantCause& cause);
    // report_errant (ABI 1.1): OK when the policy tolerated the record, FATAL once the task is FAILED.
    sluice_status errant(const sluice_record& record, std::string_view message);
    sluice_status errant(const sluice_record& record, const ErrantCause& cause);

    // Rebalances (kafka::Consumer::Listener).
    void assigned(std::vector<kafka::PartitionOffset>& partitions) override;
    void revoked(const std::vector<kafka::PartitionOffset>& partitions, bool lost) override;

    std::unique_ptr<kafka::Consumer> consumer_;
    bool held_ = false;   // partitions paused for a connector pause
    bool fatal_ = false;  // the plugin said FATAL: no more calls into it but destroy

    SinkBatch batch_;

    DeadLetterWriter dead_letter_writer_;
    SinkDeadLetters dead_letters_;
    SinkPositions positions_;
    SinkCommit commit_;
    Clock::time_point last_flush_;
    Clock::time_point lag_updated_{};
    mutable std::mutex lag_mutex_;
    std::vector<PartitionLag> lag_;
};

}  // namespace sluice::runtime
