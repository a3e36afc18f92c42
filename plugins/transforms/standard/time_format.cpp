#include "time_format.hpp"

#include <stdexcept>

namespace sluice::transforms {

namespace {

// "+01:00", "-0530", "+01", "Z" -> seconds east of UTC.
std::optional<int> parse_offset(std::string_view s) {
    if (s == "Z" || s == "z") return 0;
    if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
    auto two = [&](std::size_t at) -> int {
        if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return -1;
        return (s[at] - '0') * 10 + (s[at + 1] - '0');
    };
    int h = two(1);
    int m = 0;
    if (h < 0 || h > 18) return std::nullopt;
    if (s.size() == 6 && s[3] == ':') m = two(4);
    else if (s.size() == 5) m = two(3);
    else if (s.size() != 3) return std::nullopt;
    if (m < 0 || m > 59) return std::nullopt;
    int total = h * 3600 + m * 60;
    return s[0] == '-' ? -total : total;
}

}  // namespace

TimeZone TimeZone::parse(std::string_view spec) {
    TimeZone z;
    if (spec.empty() || spec == "UTC" || spec == "Z" || spec == "GMT" || spec == "Etc/UTC") return z;
    if (auto off = parse_offset(spec)) {
        z.name_ = std::string(spec);
        z.fixed_ = *off;
        return z;
    }
    z.name_ = std::string(spec);
    try {
        z.rules_ = std::make_shared<const tz::TimeZone>(tz::TimeZone::load(z.name_, tz::zoneinfo_dir_from_environment()));
    } catch (const tz::TimeZoneError& e) {
        throw std::runtime_error("unknown time zone '" + z.name_ + "' (" + e.what() + ")");
    }
    return z;
}

int TimeZone::offset_at(std::int64_t utc) const { return rules_ ? rules_->offset_at(utc) : fixed_; }

int TimeZone::offset_for_local(std::int64_t local) const {
    // The offset before a change applies to wall times up to it (overlap: earlier instant;
    // gap: the wall time is read with the old offset, i.e. moves forward).
    return rules_ ? static_cast<int>(local - rules_->local_to_utc(local)) : fixed_;
}

// ---- ISO 8601 -------------------------------------------------------------------------

namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
    const auto v = civil::read_digits(s, at, n);
    if (v) out = static_cast<int>(*v);
    return v.has_value();
}

std::optional<std::int64_t> to_instant(std::int64_t y, int mo, int d, int h, int mi, int s, int ms,
                                       std::optional<int> offset, const TimeZone& zone) {
    if (mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(civil::days_in_month(y, static_cast<unsigned>(mo))) || h > 23 ||
        mi > 59 || s > 60)
        return std::nullopt;
    std::int64_t local = civil::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                         h * 3600 + mi * 60 + s;
    int off = offset ? *offset : zone.offset_for_local(local);
    return (local - off) * 1000 + ms;
}

void append_offset(std::string& out, int off, bool colon, bool z_for_utc) {
    if (off == 0 && z_for_utc) out.push_back('Z');
    else civil::append_offset(out, off, colon);
}

// The wall-clock fields of an instant in a zone `offset` seconds east of UTC.
civil::CivilTime civil_of(std::int64_t epoch_ms, int offset) {
    return civil::civil_from_ms(epoch_ms + static_cast<std::int64_t>(offset) * 1000);
}

}  // namespace

std::optional<std::int64_t> parse_iso8601(std::string_view s, const TimeZone& zone) {
    const auto f = civil::read_iso_fields(s, "Tt ");
    if (!f) return std::nullopt;
    std::optional<int> offset;
    if (f->end < s.size()) {
        offset = parse_offset(s.substr(f->end));
        if (!offset) return std::nullopt;
    }
    return to_instant(f->year, static_cast<int>(f->month), static_cast<int>(f->day), f->hour, f->minute, f->second,
                      f->millis, offset, zone);
}

std::string format_iso8601(std::int64_t epoch_ms, const TimeZone& zone) {
    return civil::format_iso8601(epoch_ms, zone.offset_at(floor_div(epoch_ms, 1000)));
}

// ---- SimpleDateFormat subset ---------------------------------------------------------------

DatePattern DatePattern::compile(std::string_view pattern) {
    DatePattern p;
    p.pattern_ = std::string(pattern);
    for (std::size_t i = 0; i < pattern.size();) {
        char c = pattern[i];
        if (c == '\'') {
            Token t;
            ++i;
            if (i < pattern.size() && pattern[i] == '\'') {
                t.literal = "'";
                ++i;
            } else {
                while (i < pattern.size()) {
                    if (pattern[i] == '\'') {
                        if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
                            t.literal.push_back('\'');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    t.literal.push_back(pattern[i++]);
                }
                if (i >= pattern.size()) throw std::runtime_error("unterminated quote in date pattern '" + p.pattern_ + "'");
                ++i;
            }
            p.tokens_.push_back(std::move(t));
            continue;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            if (std::string_view("yMdHhamsSXZ").find(c) == std::string_view::npos)
                throw std::runtime_error(std::string("unsupported letter '") + c + "' in date pattern '" + p.pattern_ +
                                         "' (supported: y M d H h a m s S X Z and quoted text)");
            Token t;
            t.letter = c;
            while (i < pattern.size() && pattern[i] == c) {
                ++t.width;
                ++i;
            }
            if (c == 'X' || c == 'Z') p.has_offset_ = true;
            p.tokens_.push_back(std::move(t));
            continue;
        }
        Token t;
        t.literal = std::string(1, c);
        p.tokens_.push_back(std::move(t));
        ++i;
    }
    return p;
}

std::string DatePattern::format(std::int64_t epoch_ms, const TimeZone& zone) const {
    int off = zone.offset_at(floor_div(epoch_ms, 1000));
    const civil::CivilTime c = civil_of(epoch_ms, off);
    using civil::append_padded;
    std::string out;
    for (const Token& t : tokens_) {
        switch (t.letter) {
        case 0: out += t.literal; break;
        case 'y': t.width == 2 ? append_padded(out, ((c.date.year % 100) + 100) % 100, 2) : append_padded(out, c.date.year, t.width); break;
        case 'M': append_padded(out, c.date.month, t.width); break;
        case 'd': append_padded(out, c.date.day, t.width); break;
        case 'H': append_padded(out, c.hour, t.width); break;
        case 'h': append_padded(out, c.hour % 12 == 0 ? 12 : c.hour % 12, t.width); break;
        case 'a': out += c.hour < 12 ? "AM" : "PM"; break;
        case 'm': append_padded(out, c.minute, t.width); break;
        case 's': append_padded(out, c.second, t.width); break;
        case 'S': append_padded(out, c.millis, t.width); break;
        case 'X': append_offset(out, off, t.width >= 3, true); break;
        case 'Z': append_offset(out, off, false, false); break;
        }
    }
    return out;
}

std::optional<std::int64_t> DatePattern::parse(std::string_view s, const TimeZone& zone) const {
    int y = 1970, mo = 1, d = 1, h = 0, mi = 0, sec = 0, ms = 0;
    bool pm = false, has_ampm = false;
    std::optional<int> offset;
    std::size_t i = 0;
    for (std::size_t k = 0; k < tokens_.size(); ++k) {
        const Token& t = tokens_[k];
        if (t.letter == 0) {
            if (s.substr(i, t.literal.size()) != t.literal) return std::nullopt;
            i += t.literal.size();
            continue;
        }
        if (t.letter == 'a') {
            std::string_view ap = s.substr(i, 2);
            if (ap == "AM" || ap == "am") pm = false;
            else if (ap == "PM" || ap == "pm") pm = true;
            else return std::nullopt;
            has_ampm = true;
            i += 2;
            continue;
        }
        if (t.letter == 'X' || t.letter == 'Z') {
            if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
                offset = 0;
                ++i;
                continue;
            }
            std::size_t n = 1;
            while (i + n < s.size() && ((s[i + n] >= '0' && s[i + n] <= '9') || s[i + n] == ':')) ++n;
            offset = parse_offset(s.substr(i, n));
            if (!offset) return std::nullopt;
            i += n;
            continue;
        }
        // Numbers: exactly `width` digits when the next token is a number too (yyyyMMdd),
        // otherwise as many digits as there are (SimpleDateFormat's rule).
        bool adjacent_number = k + 1 < tokens_.size() && tokens_[k + 1].letter != 0 && tokens_[k + 1].letter != 'a' &&
                               tokens_[k + 1].letter != 'X' && tokens_[k + 1].letter != 'Z';
        std::size_t n = 0;
        if (adjacent_number) n = static_cast<std::size_t>(t.width);
        else
            while (i + n < s.size() && s[i + n] >= '0' && s[i + n] <= '9' && n < 9) ++n;
        int v = 0;
        if (n == 0 || !digits(s, i, n, v)) return std::nullopt;
        i += n;
        switch (t.letter) {
        case 'y': y = (t.width == 2 && n == 2) ? 2000 + v : v; break;
        case 'M': mo = v; break;
        case 'd': d = v; break;
        case 'H': h = v; break;
        case 'h': h = v % 12; break;
        case 'm': mi = v; break;
        case 's': sec = v; break;
        case 'S':
            ms = v;
            if (n > 3)
                for (std::size_t extra = n; extra > 3; --extra) ms /= 10;
            break;
        }
    }
    if (i != s.size()) return std::nullopt;
    if (has_ampm && pm) h += 12;
    return to_instant(y, mo, d, h, mi, sec, ms, offset, zone);
}

}  // namespace sluice::transforms
