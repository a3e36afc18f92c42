#include "progress.hpp"

#include <sluice/civil_time.hpp>

#include <stdexcept>

namespace sluice::http_source {

Cursor::Verdict Cursor::check(std::int64_t value, const std::string& key_id) const {
    if (!value_ || value > *value_) return Verdict::fresh;
    if (value < *value_) return Verdict::older;
    return keys_.count(key_id) ? Verdict::already_emitted : Verdict::fresh;
}

void Cursor::advance(std::int64_t value, const std::string& key_id) {
    if (!value_ || value > *value_) {
        value_ = value;
        keys_.clear();
        order_.clear();
    } else if (value < *value_) {
        return;
    }
    if (!key_id.empty() && keys_.insert(key_id).second) order_.push_back(key_id);
}

Json Cursor::to_json(bool is_time) const {
    if (!value_) return Json::object();
    if (!is_time) return Json{{"id", *value_}};
    Json keys = Json::array();
    for (const auto& k : order_) keys.push_back(Json::parse(k, nullptr, false));
    return Json{{"ts", civil::format_iso8601(*value_, 0)}, {"keys", std::move(keys)}};
}

Cursor Cursor::from_json(const Json& j, bool is_time) {
    Cursor c;
    if (!j.is_object()) throw std::runtime_error("a cursor that is not an object: " + dump(j));
    if (j.empty()) return c;
    if (!is_time) {
        auto id = j.find("id");
        if (id == j.end() || !id->is_number_integer()) throw std::runtime_error("a cursor without an integer id: " + dump(j));
        c.value_ = id->get<std::int64_t>();
        return c;
    }
    auto ts = j.find("ts");
    auto keys = j.find("keys");
    if (ts == j.end() || !ts->is_string() || keys == j.end() || !keys->is_array())
        throw std::runtime_error("a cursor that is not {\"ts\":...,\"keys\":[...]}: " + dump(j));
    auto ms = time_of(*ts);
    if (!ms) throw std::runtime_error("a cursor with an unreadable ts: " + dump(j));
    c.value_ = *ms;
    for (const auto& k : *keys) c.advance(*ms, dump(k));
    return c;
}

std::string Progress::to_offset(bool is_time) const {
    Json j{{"base", base.to_json(is_time)}, {"seen", seen.to_json(is_time)}};
    if (next) j["next"] = *next;
    return dump(j);
}

Progress Progress::from_offset(const std::string& text, bool is_time) {
    const Json j = Json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("base") || !j.contains("seen"))
        throw std::runtime_error("stored offset is not {\"base\":..,\"seen\":..}: " + text.substr(0, 200));
    Progress p;
    p.base = Cursor::from_json(j["base"], is_time);
    p.seen = Cursor::from_json(j["seen"], is_time);
    if (auto n = j.find("next"); n != j.end() && n->is_string()) p.next = n->get<std::string>();
    return p;
}

}  // namespace sluice::http_source
