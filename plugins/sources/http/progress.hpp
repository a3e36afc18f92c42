// How far the source has read, stored as its source offset, exactly like the opendatasoft
// source's cursor: the newest time emitted and the keys emitted at exactly that time (mode
// timestamp), or the highest id (mode incrementing). A sweep filters against the cursor it
// started from (`base`) and tracks the newest it emitted (`seen`); while it runs, the offset
// also holds where the next page starts, so a restart continues the sweep there instead of
// reading its first pages again. Answers need not be sorted.
//   {"base":{"ts":"...","keys":[...]},"seen":{...},"next":"<page state>"}   (mode timestamp)
//   {"base":{"id":41},"seen":{"id":57},"next":"..."}                          (mode incrementing)
#pragma once

#include "record_fields.hpp"

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace sluice::http_source {

class Cursor {
public:
    enum class Verdict { fresh, already_emitted, older };

    bool empty() const { return !value_; }
    std::optional<std::int64_t> value() const { return value_; }  // ts (ms) or id
    Verdict check(std::int64_t value, const std::string& key_id) const;
    void advance(std::int64_t value, const std::string& key_id);
    Json to_json(bool is_time) const;
    static Cursor from_json(const Json& j, bool is_time);  // throws std::runtime_error

private:
    std::optional<std::int64_t> value_;
    std::unordered_set<std::string> keys_;
    std::vector<std::string> order_;  // keys_ in the order met
};

struct Progress {
    Cursor base;                      // what the running sweep filters against
    Cursor seen;                      // the newest the running sweep emitted (base when none)
    std::optional<std::string> next;  // page state of the running sweep; none between sweeps

    std::string to_offset(bool is_time) const;
    static Progress from_offset(const std::string& text, bool is_time);  // throws std::runtime_error
};

}  // namespace sluice::http_source
