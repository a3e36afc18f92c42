#include "sluice/sql/source_cursor.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace sluice::sql {

SourceCursor SourceCursor::from_offset(std::string_view text, SourceMode mode) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    const std::string shown(text.substr(0, 200));
    if (!j.is_object()) throw std::runtime_error("stored offset is not a JSON object: " + shown);
    SourceCursor c(mode);
    const bool uses_ts = mode == SourceMode::timestamp || mode == SourceMode::timestamp_incrementing;
    const bool uses_id = mode == SourceMode::incrementing || mode == SourceMode::timestamp_incrementing;
    if (uses_ts) {
        auto ts = j.find("timestamp");
        if (ts == j.end() || !ts->is_string())
            throw std::runtime_error(std::string("stored offset has no \"timestamp\" (mode ") + mode_name(mode) + "): " + shown);
        c.timestamp_ = ts->get<std::string>();
    }
    if (uses_id) {
        auto id = j.find("id");
        if (id == j.end() || !id->is_number_integer())
            throw std::runtime_error(std::string("stored offset has no integer \"id\" (mode ") + mode_name(mode) + "): " + shown);
        c.id_ = id->get<std::int64_t>();
    }
    if (mode == SourceMode::timestamp) {
        auto ids = j.find("ids");
        if (ids == j.end() || !ids->is_array()) throw std::runtime_error("stored offset has no \"ids\" array: " + shown);
        for (const auto& k : *ids) {
            std::vector<std::string> key;
            if (k.is_string()) key.push_back(k.get<std::string>());
            else if (k.is_array())
                for (const auto& part : k) {
                    if (!part.is_string()) throw std::runtime_error("stored offset has a malformed key in \"ids\": " + shown);
                    key.push_back(part.get<std::string>());
                }
            else throw std::runtime_error("stored offset has a malformed key in \"ids\": " + shown);
            if (c.key_set_.insert(key).second) c.keys_.push_back(std::move(key));
        }
    }
    return c;
}

std::string SourceCursor::to_offset() const {
    nlohmann::json j = nlohmann::json::object();
    if (timestamp_) j["timestamp"] = *timestamp_;
    if (id_) j["id"] = *id_;
    if (mode_ == SourceMode::timestamp) {
        auto ids = nlohmann::json::array();
        for (const auto& k : keys_) {
            if (k.size() == 1) ids.push_back(k[0]);
            else ids.push_back(k);
        }
        j["ids"] = std::move(ids);
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void SourceCursor::advance(const std::optional<std::string>& timestamp, std::optional<std::int64_t> id,
                           const std::vector<std::string>& key) {
    if (mode_ == SourceMode::incrementing) {
        if (id && (!id_ || *id > *id_)) id_ = id;
        return;
    }
    if (!timestamp) return;  // rows without a timestamp are not read by the timestamp modes
    if (timestamp_ != timestamp) {
        timestamp_ = timestamp;
        keys_.clear();
        key_set_.clear();
    }
    if (mode_ == SourceMode::timestamp_incrementing) id_ = id;
    else if (key_set_.insert(key).second) keys_.push_back(key);
}

std::string SourceCursor::condition(Database& db, const SourceSettings& s, const std::vector<std::string>& key_columns,
                                    const CursorColumns& kinds) const {
    const std::string inc = s.uses_incrementing() ? db.quote_identifier(s.incrementing_column) : "";
    const std::string ts = s.uses_timestamp() ? db.quote_identifier(s.timestamp_column) : "";
    switch (mode_) {
    case SourceMode::bulk: return "";
    case SourceMode::incrementing: return id_ ? inc + " > " + std::to_string(*id_) : "";
    case SourceMode::timestamp_incrementing: {
        std::string c = ts + " < " + db.now_minus_ms(s.delay.count());
        if (timestamp_) {
            const std::string t = db.literal(*timestamp_, kinds.timestamp_kind);
            // "ts >= t" is implied by the OR, but written out it lets an index on ts serve the
            // range in order, and LIMIT stop early, instead of filtering every newer row.
            c += " AND " + ts + " >= " + t + " AND (" + ts + " > " + t + " OR (" + ts + " = " + t + " AND " + inc + " > " +
                 std::to_string(id_.value_or(INT64_MIN)) + "))";
        }
        return c;
    }
    case SourceMode::timestamp: {
        std::string c = ts + " < " + db.now_minus_ms(s.delay.count());
        if (timestamp_) {
            const std::string t = db.literal(*timestamp_, kinds.timestamp_kind);
            c += " AND " + ts + " >= " + t + " AND (" + ts + " > " + t;
            if (keys_.empty()) {
                c += ")";
            } else {
                std::string columns, list;
                for (const auto& k : key_columns) columns += (columns.empty() ? "" : ", ") + db.quote_identifier(k);
                for (const auto& key : keys_) {
                    list += list.empty() ? "(" : ", (";
                    for (std::size_t i = 0; i < key.size(); ++i)
                        list += (i ? ", " : "") + db.literal(key[i], i < kinds.key_kinds.size() ? kinds.key_kinds[i] : ColumnKind::text);
                    list += ")";
                }
                c += " OR (" + ts + " = " + t + " AND (" + columns + ") NOT IN (" + list + ")))";
            }
        }
        return c;
    }
    }
    return "";
}

std::string SourceCursor::order_by(Database& db, const SourceSettings& s, const std::vector<std::string>& key_columns) const {
    switch (mode_) {
    case SourceMode::bulk: return "";
    case SourceMode::incrementing: return db.quote_identifier(s.incrementing_column);
    case SourceMode::timestamp_incrementing:
        return db.quote_identifier(s.timestamp_column) + ", " + db.quote_identifier(s.incrementing_column);
    case SourceMode::timestamp: {
        std::string out = db.quote_identifier(s.timestamp_column);
        for (const auto& k : key_columns) out += ", " + db.quote_identifier(k);
        return out;
    }
    }
    return "";
}

}  // namespace sluice::sql
