#include "cursor.hpp"

#include "time_zone.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace sluice::ods {

Cursor Cursor::from_offset(std::string_view offset_json) {
    const auto j = nlohmann::json::parse(offset_json, nullptr, false);
    const std::string shown(offset_json.substr(0, 200));
    if (!j.is_object()) throw std::runtime_error("stored offset is not a JSON object: " + shown);
    auto ts = j.find("ts");
    auto keys = j.find("keys");
    if (ts == j.end() || !ts->is_string() || keys == j.end() || !keys->is_array())
        throw std::runtime_error("stored offset is not {\"ts\":\"<ISO 8601>\",\"keys\":[...]}: " + shown);
    auto ms = parse_timestamp(ts->get_ref<const std::string&>(), TimeZone::utc());
    if (!ms) throw std::runtime_error("stored offset has an unreadable ts: " + shown);
    Cursor c;
    c.ts_ms_ = *ms;
    for (const auto& k : *keys) {
        std::string id = k.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (c.keys_.insert(id).second) c.order_.push_back(std::move(id));
    }
    return c;
}

Cursor::Verdict Cursor::check(std::int64_t ts_ms, const std::string& key_id) const {
    if (!ts_ms_ || ts_ms > *ts_ms_) return Verdict::fresh;
    if (ts_ms < *ts_ms_) return Verdict::older;
    return keys_.count(key_id) ? Verdict::already_emitted : Verdict::fresh;
}

void Cursor::advance(std::int64_t ts_ms, const std::string& key_id) {
    if (!ts_ms_ || ts_ms > *ts_ms_) {
        ts_ms_ = ts_ms;
        keys_.clear();
        order_.clear();
    } else if (ts_ms < *ts_ms_) {
        return;
    }
    if (keys_.insert(key_id).second) order_.push_back(key_id);
}

std::string Cursor::to_offset() const {
    std::string out = "{\"ts\":\"" + (ts_ms_ ? format_utc(*ts_ms_) : std::string()) + "\",\"keys\":[";
    for (std::size_t i = 0; i < order_.size(); ++i) {
        if (i) out += ',';
        out += order_[i];
    }
    return out + "]}";
}

}  // namespace sluice::ods
