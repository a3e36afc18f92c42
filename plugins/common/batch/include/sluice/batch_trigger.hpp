// When the records a sink holds make a batch worth writing: as soon as they reach
// batch.max.rows rows, batch.max.bytes bytes, or the oldest of them is batch.max.ms old.
// The sink tells the trigger what it buffers and what left; the trigger counts, it holds no
// record. The clock is injected so that tests decide what "old" is.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>

namespace sluice::batch {

using Clock = std::chrono::steady_clock;

struct Limits {
    std::size_t max_rows = std::numeric_limits<std::size_t>::max();
    std::size_t max_bytes = std::numeric_limits<std::size_t>::max();
    std::chrono::milliseconds max_age = std::chrono::milliseconds::max();
};

enum class Reason { none, rows, bytes, age };

// The rule itself, for a sink whose buffer keeps its own counts and oldest time: which limit
// `rows` records of `bytes` bytes, the oldest buffered at `oldest`, reach at `now`.
inline Reason reached(const Limits& limits, std::size_t rows, std::size_t bytes, Clock::time_point oldest, Clock::time_point now) {
    if (rows == 0) return Reason::none;
    if (rows >= limits.max_rows) return Reason::rows;
    if (bytes >= limits.max_bytes) return Reason::bytes;
    // In milliseconds: max_age may be milliseconds::max(), which no finer unit can hold.
    if (std::chrono::duration_cast<std::chrono::milliseconds>(now - oldest) >= limits.max_age) return Reason::age;
    return Reason::none;
}

class Trigger {
public:
    explicit Trigger(Limits limits, std::function<Clock::time_point()> now = &Clock::now)
        : limits_(limits), now_(std::move(now)), oldest_(now_()) {}

    // Records were buffered: the first of an empty batch starts its age.
    void add(std::size_t rows, std::size_t bytes) {
        if (rows == 0) return;
        if (rows_ == 0) oldest_ = now_();
        rows_ += rows;
        bytes_ += bytes;
    }
    // The batch left (written, or dropped): empty again.
    void clear() { set(0, 0); }
    // What is still buffered after part of it left or came back (recounted by the sink).
    // The age runs on; an emptied batch starts a new one at its next add().
    void set(std::size_t rows, std::size_t bytes) {
        rows_ = rows;
        bytes_ = bytes;
    }
    // The age starts again from now: rows a capped write left behind would otherwise be
    // "old" at once and go out as a tiny batch.
    void restart_age() { oldest_ = now_(); }

    std::size_t rows() const { return rows_; }
    std::size_t bytes() const { return bytes_; }
    bool empty() const { return rows_ == 0; }
    // How long the oldest buffered record has waited (zero when empty).
    std::chrono::milliseconds age() const {
        if (rows_ == 0) return std::chrono::milliseconds(0);
        return std::chrono::duration_cast<std::chrono::milliseconds>(now_() - oldest_);
    }
    const Limits& limits() const { return limits_; }

    // Which limit the buffered records reached, none when not due (an empty batch never is).
    Reason reason() const { return rows_ == 0 ? Reason::none : reached(limits_, rows_, bytes_, oldest_, now_()); }
    bool due() const { return reason() != Reason::none; }

private:
    Limits limits_;
    std::function<Clock::time_point()> now_;
    Clock::time_point oldest_;
    std::size_t rows_ = 0;
    std::size_t bytes_ = 0;
};

}  // namespace sluice::batch
