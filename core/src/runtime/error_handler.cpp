#include "runtime/error_handler.hpp"

#include "common/log.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <random>

namespace sluice::runtime {

namespace {
constexpr std::chrono::milliseconds kFirstRetryDelay{100};

std::string shown_bytes(const sluice_bytes& b) {
    return b.data == nullptr ? std::string("null") : text::shown(std::string_view(b.data, b.size), 200);
}
}  // namespace

ErrantRecord ErrantRecord::from(const sluice_record& r) {
    ErrantRecord e;
    e.key = r.key;
    e.value = r.value;
    if (SLUICE_HAS_FIELD(&r, sluice_record, timestamp_ms)) e.timestamp_ms = r.timestamp_ms;
    if (SLUICE_HAS_FIELD(&r, sluice_record, header_count) && r.headers != nullptr)
        for (size_t i = 0; i < r.header_count; ++i)
            if (r.headers[i] != nullptr) e.headers.push_back(*r.headers[i]);
    if (SLUICE_HAS_FIELD(&r, sluice_record, offset)) {
        if (r.topic.data) e.topic = std::string_view(r.topic.data, r.topic.size);
        e.partition = r.partition;
        e.offset = r.offset;
    }
    if (SLUICE_HAS_FIELD(&r, sluice_record, source_offset)) {
        if (r.source_partition.data) e.source_partition = std::string_view(r.source_partition.data, r.source_partition.size);
        if (r.source_offset.data) e.source_offset = std::string_view(r.source_offset.data, r.source_offset.size);
    }
    return e;
}

std::string ErrantRecord::where() const {
    if (offset >= 0 && !topic.empty())
        return std::string(topic) + "[" + std::to_string(partition) + "]@" + std::to_string(offset);
    if (!source_offset.empty())
        return "source partition " + std::string(source_partition) + " offset " + std::string(source_offset);
    return "a record without an offset";
}

Retrier::Retrier(const config::ErrorPolicy& policy, bool forever_when_zero)
    : timeout_ms_(policy.retry_timeout_ms == 0 && forever_when_zero ? -1 : policy.retry_timeout_ms),
      delay_max_(policy.retry_delay_max_ms),
      next_(std::min(kFirstRetryDelay, delay_max_)),
      rng_(std::random_device{}()) {}

void Retrier::reset() {
    started_.reset();
    attempts_ = 0;
    next_ = std::min(kFirstRetryDelay, delay_max_);
}

std::optional<std::chrono::milliseconds> Retrier::next_delay() {
    if (timeout_ms_ == 0) return std::nullopt;
    const auto now = Clock::now();
    if (!started_) started_ = now;
    std::chrono::milliseconds left = std::chrono::milliseconds::max();
    if (timeout_ms_ > 0) {
        left = std::chrono::milliseconds(timeout_ms_) - std::chrono::duration_cast<std::chrono::milliseconds>(now - *started_);
        if (left.count() <= 0) return std::nullopt;
    }
    // Jitter in [delay/2, delay], so tasks retrying the same upstream spread out.
    const auto current = next_;
    next_ = std::min(delay_max_, next_ * 2);
    rng_ = rng_ * 6364136223846793005ULL + 1442695040888963407ULL;
    const int64_t half = current.count() / 2;
    const int64_t span = current.count() - half;
    std::chrono::milliseconds delay(half + (span > 0 ? static_cast<int64_t>((rng_ >> 33) % static_cast<uint64_t>(span + 1)) : 0));
    ++attempts_;
    return std::min(delay, left);
}

bool Retrier::wait(const Sleep& sleep) {
    auto delay = next_delay();
    if (!delay) return false;
    return sleep(*delay);
}

ErrorHandler::ErrorHandler(config::ErrorPolicy policy, std::string connector, int task_id, ErrorCounters& counters)
    : policy_(std::move(policy)), connector_(std::move(connector)), task_id_(task_id), counters_(counters) {}

ErrorHandler::Decision ErrorHandler::decide(const ErrantRecord& record, const ErrantCause& cause) {
    auto& c = counters_.at(cause.stage);
    c.records_failed.fetch_add(1, std::memory_order_relaxed);
    const std::string what = std::string(stage_name(cause.stage)) + " failed at " + record.where() +
                             (cause.plugin.empty() ? std::string() : " in " + cause.plugin) + ": " + cause.message;
    Decision d;
    if (policy_.tolerance == config::Tolerance::none) {
        d.trace = what + " (errors.tolerance=none: the task stops; nothing after this record is committed)";
        return d;
    }
    d.tolerated = true;
    d.dead_letter = policy_.has_dlq();
    c.records_skipped.fetch_add(1, std::memory_order_relaxed);
    if (policy_.log_enable) {
        std::string line = "errant record skipped (" + std::string(d.dead_letter ? "to dead-letter topic " + policy_.dlq_topic : "not kept") +
                           "): " + what;
        if (policy_.log_include_messages) {
            line += "; key " + shown_bytes(record.key) + ", value " + shown_bytes(record.value);
            for (const auto& h : record.headers)
                line += ", header " + std::string(h.key.data ? std::string_view(h.key.data, h.key.size) : "") + "=" + shown_bytes(h.value);
        }
        log::warn(line);  // secrets (declared secret config values) are masked by the logger
    }
    return d;
}

std::vector<std::pair<std::string, std::string>> ErrorHandler::context_headers(const ErrantRecord& record,
                                                                               const ErrantCause& cause) const {
    std::vector<std::pair<std::string, std::string>> h;
    if (!record.topic.empty()) h.emplace_back("__connect.errors.topic", std::string(record.topic));
    if (record.partition >= 0) h.emplace_back("__connect.errors.partition", std::to_string(record.partition));
    if (record.offset >= 0) h.emplace_back("__connect.errors.offset", std::to_string(record.offset));
    h.emplace_back("__connect.errors.connector.name", connector_);
    h.emplace_back("__connect.errors.task.id", std::to_string(task_id_));
    h.emplace_back("__connect.errors.stage", std::string(stage_name(cause.stage)));
    h.emplace_back("__connect.errors.class.name", cause.plugin);
    h.emplace_back("__connect.errors.exception.class.name", cause.exception);
    h.emplace_back("__connect.errors.exception.message", cause.message);
    if (!record.source_partition.empty()) h.emplace_back("__sluice.errors.source.partition", std::string(record.source_partition));
    if (!record.source_offset.empty()) h.emplace_back("__sluice.errors.source.offset", std::string(record.source_offset));
    return h;
}

}  // namespace sluice::runtime
