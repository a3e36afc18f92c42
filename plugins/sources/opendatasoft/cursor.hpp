// How far a source has read one dataset: the newest timestamp emitted and the keys
// already emitted at exactly that timestamp. Snapshot datasets re-stamp every record at
// each refresh (Bordeaux ci_trafi_l, Rennes: one timestamp for the whole snapshot), so a
// bare timestamp would re-emit or skip records that share it; the key set makes resuming
// exact. Stored as the source offset {"ts":"<UTC ISO 8601>","keys":[<key values>...]}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sluice::ods {

class Cursor {
public:
    enum class Verdict { fresh, already_emitted, older };

    // Restores a stored offset; throws std::runtime_error naming what is wrong with it.
    static Cursor from_offset(std::string_view offset_json);

    bool empty() const { return !ts_ms_; }
    std::optional<std::int64_t> ts_ms() const { return ts_ms_; }
    std::size_t keys_at_ts() const { return order_.size(); }

    Verdict check(std::int64_t ts_ms, const std::string& key_id) const;
    // Records that this key was emitted (or dealt with) at this timestamp.
    void advance(std::int64_t ts_ms, const std::string& key_id);

    std::string to_offset() const;

private:
    std::optional<std::int64_t> ts_ms_;
    std::unordered_set<std::string> keys_;
    std::vector<std::string> order_;  // keys_ in the order met, for a stable offset text
};

}  // namespace sluice::ods
