// The datagen source connector: SDK glue around RecordGenerator. Task i of N emits the
// records n with n % N == i, so the tasks together cover every record exactly once and
// each task can resume alone from its own offset.
#include "datagen_settings.hpp"
#include "record_generator.hpp"
#include "token_bucket.hpp"

#include <sluice/sdk.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace sluice::datagen {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t no_end = std::numeric_limits<std::uint64_t>::max();
// Longest uninterrupted sleep: how late a stop request can be noticed.
constexpr auto stop_check_period = std::chrono::milliseconds(10);
// Kafka's default retention.ms: records older than this may be deleted at once.
constexpr std::int64_t retention_warning_ms = 7LL * 86'400'000;

class DatagenSource : public sluice::Source {
public:
    static std::vector<sluice::ConfigKey> config_keys() { return datagen_config_keys(); }

    static void test(const sluice::Config& config, sluice::TaskContext&) { (void)read_datagen_settings(config); }
    static void validate(const sluice::Config& config, sluice::ConfigProblems& problems) {
        validate_datagen_settings(config, problems);
    }

    DatagenSource(const sluice::Config& config, sluice::TaskContext& context)
        : context_(context),
          settings_(read_datagen_settings(config)),
          task_id_(static_cast<std::uint64_t>(std::max(0, context.task_id()))),
          task_count_(static_cast<std::uint64_t>(std::max(1, context.task_count()))),
          partition_(sluice::json::Object().add("task", static_cast<std::int64_t>(task_id_)).str()),
          resume_(read_stored_offset()),
          model_(simulation_start()),
          generator_(model_) {
        if (task_id_ >= task_count_)
            throw sluice::FatalError("datagen: task id " + std::to_string(task_id_) + " is not below the task count " +
                                     std::to_string(task_count_));
        next_seq_ = resume_point();
        end_seq_ = end_point();
        // A start taken from the wall clock is kept in every offset; a configured one is in
        // the configuration already.
        if (!settings_.start_given) start_text_ = std::to_string(model_.start_ms);
        if (settings_.rate > 0) {
            const auto rate = static_cast<double>(settings_.rate);
            // Start with a single token so a fresh task does not burst; keep at most one
            // second's worth so a stalled worker catches up without an unbounded flood.
            bucket_.emplace(rate, std::max(1.0, rate), 1.0, Clock::now());
        }
        context_.info("datagen: task " + std::to_string(task_id_) + " of " + std::to_string(task_count_) +
                      " starts at record " + std::to_string(next_seq_) + " (" +
                      std::to_string(settings_.model.sensors) + " sensors, " +
                      (settings_.rate == 0 ? std::string("unlimited rate") : std::to_string(settings_.rate) + " records/s") +
                      ")");
    }

    void poll(sluice::RecordWriter& out, std::chrono::milliseconds timeout) override {
        const Clock::time_point deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds(0));
        const std::uint64_t writer_cap = out.max_records() == 0 ? settings_.batch_size : out.max_records();
        const std::uint64_t limit = std::min<std::uint64_t>(settings_.batch_size, writer_cap);
        std::uint64_t emitted = 0;
        while (emitted < limit && !context_.stopping()) {
            const std::uint64_t want = std::min(limit - emitted, records_left());
            if (want == 0) {
                // max.records reached: idle like a source with nothing to say.
                if (emitted == 0) sleep_until(deadline);
                return;
            }
            if (!bucket_) {
                emit(out, want);
                return;
            }
            const Clock::time_point now = Clock::now();
            bucket_->refill(now);
            if (const std::uint64_t granted = bucket_->take(want); granted > 0) {
                emit(out, granted);
                emitted += granted;
                continue;
            }
            // Out of tokens: hand over what we have; with nothing yet, wait for about 10 ms
            // worth of records (fewer, larger batches at high rates) but not past the deadline.
            if (emitted > 0 || now >= deadline) return;
            const double batch_tokens =
                std::clamp(static_cast<double>(settings_.rate) / 100.0, 1.0, static_cast<double>(want));
            if (!sleep_until(std::min(deadline, now + bucket_->time_until(batch_tokens)))) return;
        }
    }

private:
    // The stored offset: the last record emitted, and the simulation's start (offsets written
    // before start.time could be empty have none).
    struct Resume {
        std::optional<std::uint64_t> last_seq;
        std::optional<std::int64_t> start_ms;
    };

    Resume read_stored_offset() const {
        const auto stored = context_.stored_offset(partition_);
        if (!stored) return {};
        const auto fields = sluice::json::parse_flat(*stored);
        const auto bad = [&](const std::string& why) {
            return sluice::FatalError("datagen: stored offset " + std::string(*stored) + " for partition " + partition_ +
                                      " is unusable: " + why +
                                      " (expected {\"seq\":<record number>}, with \"start\":<epoch ms> when start.time is empty)");
        };
        if (!fields) throw bad("not a JSON object");
        const auto number = [&](const char* key) -> std::optional<std::uint64_t> {
            const auto field = fields->find(key);
            if (field == fields->end()) return std::nullopt;
            const std::string& text = field->second;
            std::uint64_t value = 0;
            const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
            if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size())
                throw bad("\"" + std::string(key) + "\" is not a non-negative integer");
            return value;
        };
        Resume r;
        r.last_seq = number("seq");
        if (!r.last_seq) throw bad("no \"seq\"");
        if (auto start = number("start")) r.start_ms = static_cast<std::int64_t>(*start);
        return r;
    }

    // The model, starting where the stored offset says, else at start.time, else now. An
    // offset from before start.time could be empty carries no start: its simulation began at
    // the old default, 2026-01-01T00:00:00Z.
    ModelSettings simulation_start() const {
        ModelSettings model = settings_.model;
        const std::int64_t now_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        if (resume_.start_ms) model.start_ms = *resume_.start_ms;
        else if (settings_.start_given) model.start_ms = settings_.model.start_ms;
        else if (resume_.last_seq) model.start_ms = ModelSettings{}.start_ms;
        else model.start_ms = wall_clock_start_ms(now_ms, model.interval_ms);
        if (settings_.start_given && !resume_.start_ms && now_ms - model.start_ms > retention_warning_ms)
            context_.warn("datagen: start.time " + std::to_string((now_ms - model.start_ms) / 86'400'000) +
                          " days in the past gives records timestamps that old: a broker with time-based retention "
                          "(retention.ms, 7 days by default) may delete them as soon as they are written. Leave start.time "
                          "empty to start at the current time.");
        return model;
    }

    // Where this task starts: after its stored offset, or at its first record.
    std::uint64_t resume_point() const {
        if (!resume_.last_seq) return task_id_;
        const std::uint64_t last = *resume_.last_seq;
        if (last > no_end - 2 * task_count_)
            throw sluice::FatalError("datagen: stored offset seq " + std::to_string(last) + " for partition " + partition_ +
                                     " is too large (expected {\"seq\":<record number>} of a record this source emitted)");
        // The first record of this task after `last`.
        const std::uint64_t after = last + 1;
        const std::uint64_t next = after + (task_id_ + task_count_ - after % task_count_) % task_count_;
        if (last % task_count_ != task_id_)
            context_.warn("datagen: stored offset seq " + std::to_string(last) + " does not belong to task " +
                          std::to_string(task_id_) + " of " + std::to_string(task_count_) +
                          " (did the task count change?); resuming at record " + std::to_string(next));
        return next;
    }

    // First record number past this task's share of max.records.
    std::uint64_t end_point() const {
        if (settings_.max_records == 0) return no_end;
        if (settings_.max_records > (no_end - task_id_) / task_count_) return no_end;
        return task_id_ + settings_.max_records * task_count_;
    }

    std::uint64_t records_left() const {
        if (end_seq_ == no_end) return no_end;
        if (next_seq_ >= end_seq_) return 0;
        return (end_seq_ - next_seq_ + task_count_ - 1) / task_count_;
    }

    void emit(sluice::RecordWriter& out, std::uint64_t count) {
        sluice::SourceRecord record;
        record.source_partition = partition_;
        for (std::uint64_t i = 0; i < count; ++i) {
            GeneratedRecord generated;
            try {
                generated = generator_.generate(next_seq_);
            } catch (const std::overflow_error& e) {
                throw sluice::FatalError(std::string("datagen: record ") + std::to_string(next_seq_) + ": " + e.what() +
                                         "; use a smaller interval.ms or set max.records");
            }
            record.key = generated.key;
            record.value = generated.value;
            record.timestamp_ms = generated.timestamp_ms;
            record.source_offset = format_offset(next_seq_);
            out.add(record); // the worker copies the record here, so the buffers are reused
            next_seq_ += task_count_;
        }
    }

    // {"seq":N}, or {"seq":N,"start":MS} when the start came from the wall clock: it keeps a
    // restarted task in the same simulation.
    std::string_view format_offset(std::uint64_t seq) {
        static constexpr std::string_view head = "{\"seq\":";
        static constexpr std::string_view start = ",\"start\":";
        char* out = std::copy(head.begin(), head.end(), offset_text_.data());
        out = std::to_chars(out, offset_text_.data() + offset_text_.size() - 1, seq).ptr;
        if (!start_text_.empty()) {
            out = std::copy(start.begin(), start.end(), out);
            out = std::copy(start_text_.begin(), start_text_.end(), out);
        }
        *out++ = '}';
        return {offset_text_.data(), static_cast<std::size_t>(out - offset_text_.data())};
    }

    // Sleeps in short slices so that a stop request is noticed; false when stopping.
    bool sleep_until(Clock::time_point until) const {
        for (;;) {
            if (context_.stopping()) return false;
            const Clock::time_point now = Clock::now();
            if (now >= until) return true;
            std::this_thread::sleep_for(std::min<Clock::duration>(until - now, stop_check_period));
        }
    }

    sluice::TaskContext& context_;
    DatagenSettings settings_;
    std::uint64_t task_id_;
    std::uint64_t task_count_;
    std::string partition_;      // {"task":i}
    Resume resume_;
    ModelSettings model_;        // start_ms: where this simulation starts
    RecordGenerator generator_;
    std::string start_text_;     // a wall-clock start, epoch ms, as written in offsets; else empty
    std::uint64_t next_seq_ = 0; // next record number this task emits
    std::uint64_t end_seq_ = no_end;
    std::optional<TokenBucket> bucket_;
    std::array<char, 64> offset_text_{};
};

}  // namespace
}  // namespace sluice::datagen

SLUICE_SOURCE(sluice::datagen::DatagenSource, "datagen", "1.0.0",
              "Synthetic road traffic readings (lane detectors: counts, speed, occupancy, heavy vehicles)")
