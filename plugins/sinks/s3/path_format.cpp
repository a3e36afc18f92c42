#include "path_format.hpp"

#include <sluice/civil_time.hpp>

#include <stdexcept>

namespace sluice::s3 {

PathFormat PathFormat::parse(std::string_view format, const std::string& timezone) {
    PathFormat f;
    try {
        f.zone_ = tz::TimeZone::load(timezone);
    } catch (const tz::TimeZoneError& e) {
        throw std::runtime_error(std::string("timezone: ") + e.what());
    }
    while (!format.empty() && format.front() == '/') format.remove_prefix(1);
    while (!format.empty() && format.back() == '/') format.remove_suffix(1);
    std::string text;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '{') {
            if (format[i] == '}') throw std::runtime_error("path.format: '}' without '{' at character " + std::to_string(i + 1));
            text.push_back(format[i]);
            continue;
        }
        const std::size_t end = format.find('}', i);
        if (end == std::string_view::npos) throw std::runtime_error("path.format: '{' without '}' at character " + std::to_string(i + 1));
        const std::string_view name = format.substr(i + 1, end - i - 1);
        Field field;
        if (name == "topic") field = Field::topic;
        else if (name == "partition") field = Field::partition;
        else if (name == "yyyy") field = Field::year;
        else if (name == "MM") field = Field::month;
        else if (name == "dd") field = Field::day;
        else if (name == "HH") field = Field::hour;
        else if (name == "mm") field = Field::minute;
        else
            throw std::runtime_error("path.format: unknown placeholder {" + std::string(name) +
                                     "}; use {topic} {partition} {yyyy} {MM} {dd} {HH} {mm}");
        if (!text.empty()) f.pieces_.push_back({Field::text, std::move(text)});
        text.clear();
        f.pieces_.push_back({field, {}});
        f.uses_time_ = f.uses_time_ || (field != Field::topic && field != Field::partition);
        i = end;
    }
    if (!text.empty()) f.pieces_.push_back({Field::text, std::move(text)});
    return f;
}

std::string PathFormat::render(std::string_view topic, std::int32_t partition, std::int64_t time_ms) const {
    civil::CivilTime t{};
    if (uses_time_) {
        const std::int64_t s = civil::floor_div(time_ms, 1000);
        t = civil::civil_from_ms(time_ms + std::int64_t{zone_.offset_at(s)} * 1000);
    }
    std::string out;
    for (const Piece& p : pieces_) {
        switch (p.field) {
        case Field::text: out += p.text; break;
        case Field::topic: out += topic; break;
        case Field::partition: out += std::to_string(partition); break;
        case Field::year: civil::append_padded(out, t.date.year, 4); break;
        case Field::month: civil::append_padded(out, t.date.month, 2); break;
        case Field::day: civil::append_padded(out, t.date.day, 2); break;
        case Field::hour: civil::append_padded(out, t.hour, 2); break;
        case Field::minute: civil::append_padded(out, t.minute, 2); break;
        }
    }
    return out;
}

std::string PathFormat::static_prefix(std::string_view topic, std::int32_t partition) const {
    std::string out;
    for (const Piece& p : pieces_) {
        if (p.field == Field::text) out += p.text;
        else if (p.field == Field::topic) out += topic;
        else if (p.field == Field::partition) out += std::to_string(partition);
        else {
            // Only whole folders: "year=" could also start "year=2024x".
            const auto slash = out.rfind('/');
            out.resize(slash == std::string::npos ? 0 : slash + 1);
            return out;
        }
    }
    return out.empty() ? out : out + "/";
}

std::int64_t PathFormat::next_boundary(std::int64_t now_ms, std::int64_t interval_ms) const {
    const std::int64_t offset_ms = std::int64_t{zone_.offset_at(civil::floor_div(now_ms, 1000))} * 1000;
    const std::int64_t local = now_ms + offset_ms;
    return (civil::floor_div(local, interval_ms) + 1) * interval_ms - offset_ms;
}

}  // namespace sluice::s3
