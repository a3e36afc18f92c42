#include "record_fields.hpp"

namespace sluice::http_source {

const Json* find_path(const Json& record, const std::string& path) {
    if (!path.empty() && path.front() == '/') {
        try {
            const Json::json_pointer pointer(path);
            return record.contains(pointer) ? &record.at(pointer) : nullptr;
        } catch (const Json::exception&) {
            return nullptr;
        }
    }
    const Json* at = &record;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = path.find('.', start);
        const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!at->is_object()) return nullptr;
        auto it = at->find(part);
        if (it == at->end()) return nullptr;
        at = &*it;
        if (dot == std::string::npos) return at;
        start = dot + 1;
    }
}

std::optional<std::int64_t> time_of(const Json& value) {
    if (value.is_string()) return tz::parse_instant_ms(value.get_ref<const std::string&>(), tz::TimeZone::utc());
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        return v < 100000000000LL ? v * 1000 : v;
    }
    if (value.is_number_float()) {
        const double v = value.get<double>();
        return static_cast<std::int64_t>(v < 1e11 ? v * 1000 : v);
    }
    return std::nullopt;
}

std::optional<std::string> key_of(const Json& record, const std::vector<std::string>& fields, std::string& missing) {
    Json key = Json::object();
    for (const auto& f : fields) {
        const Json* v = find_path(record, f);
        if (v == nullptr || v->is_null()) {
            missing = f;
            return std::nullopt;
        }
        if (fields.size() == 1) return dump(*v);
        key[f] = *v;
    }
    return dump(key);
}

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace sluice::http_source
