// One pass over the records newer than the cursor, page by page, in (timestamp, keys)
// order, without ever asking for offset + limit beyond the API's 10 000 cap: offsets
// grow within a window; when the next page would cross the cap, a new window starts at
// the last timestamp seen (offset = the records already read at that timestamp), and when
// even that is too deep (more than 10 000 - limit records share one timestamp) the window
// starts strictly after the last (timestamp, keys) read (keyset paging).
#pragma once

#include "api_query.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sluice::ods {

class Sweep {
public:
    Sweep(std::optional<std::int64_t> from_ts_ms, int limit);

    const Anchor& anchor() const { return anchor_; }
    int limit() const { return limit_; }
    // Each record of the page in order: its timestamp and key values (a JSON array).
    void saw(std::int64_t ts_ms, const Json& key_values);
    // After a page of `count` records: true when there is more to read (anchor() moved on).
    bool page_done(std::size_t count);
    int windows() const { return windows_; }

private:
    Anchor anchor_;
    int limit_;
    std::optional<std::int64_t> last_ts_;
    Json last_keys_;
    std::int64_t run_ = 0;  // records read in a row with timestamp == last_ts_
    int windows_ = 1;
};

}  // namespace sluice::ods
