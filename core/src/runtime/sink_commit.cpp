#include "runtime/sink_commit.hpp"

#include "common/log.hpp"

namespace sluice::runtime {

SinkCommit::Result SinkCommit::run(plugin::Sink& instance, kafka::Consumer& consumer) {
    if (positions_.empty()) return {};
    std::string failure;
    switch (dead_letters_.settle(dead_letter_wait_, failure)) {
    case SinkDeadLetters::State::settled: break;
    case SinkDeadLetters::State::failed: return {failure + " (offsets are committed up to the records before it)", true};
    case SinkDeadLetters::State::pending:
        log::warn(dead_letters_.pending(), " dead-letter records are not acknowledged yet; offsets stay uncommitted until they are");
        return {};
    }
    std::vector<sluice_topic_partition> parts = positions_.flush_positions();
    std::vector<sluice_topic_partition*> pointers;
    for (auto& p : parts) pointers.push_back(&p);
    plugin::Outcome out = instance.flush(pointers.data(), pointers.size());
    if (out.status == SLUICE_RETRY) {
        log::warn("flush asked to retry; offsets stay uncommitted until it succeeds: ", out.message);
        return {};
    }
    if (!out.ok())
        return {"flush failed (" + std::string(plugin::status_name(out.status)) + "): " + out.message, out.status == SLUICE_FATAL};
    const std::vector<kafka::PartitionOffset> commit = positions_.to_commit(parts);
    if (commit.empty()) return {};
    std::string error;
    if (consumer.commit(commit, error)) {
        counters_.commits.fetch_add(1, std::memory_order_relaxed);
        positions_.committed(commit);
    } else {
        counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
        log::warn("offset commit failed (retried at the next flush): ", error);
    }
    return {};
}

}  // namespace sluice::runtime
