#include "time_format.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace sluice::transforms {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Howard Hinnant's civil-from-days algorithms (public domain).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = floor_div(y, 400);
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& year, unsigned& month, unsigned& day) {
    z += 719468;
    const std::int64_t era = floor_div(z, 146097);
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2);
}

namespace {

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

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

// ---- IANA zones: TZif (RFC 8536) transitions plus the POSIX TZ footer -----------------

struct PosixRule {
    int std_offset = 0;  // seconds east of UTC
    bool has_dst = false;
    int dst_offset = 0;
    struct When {
        unsigned month = 0, week = 0, weekday = 0;
        int time = 7200;  // local seconds after midnight
    } start, end;
};

struct ZoneRules {
    std::vector<std::int64_t> transitions;  // UTC seconds
    std::vector<int> offsets;               // offset in force from transitions[i]
    int initial_offset = 0;
    std::optional<PosixRule> footer;
};

namespace {

struct Reader {
    std::string_view s;
    std::size_t i = 0;
    bool done() const { return i >= s.size(); }
    char peek() const { return done() ? '\0' : s[i]; }
};

bool read_posix_name(Reader& r) {
    if (r.peek() == '<') {
        while (!r.done() && r.peek() != '>') ++r.i;
        if (r.done()) return false;
        ++r.i;
        return true;
    }
    std::size_t start = r.i;
    while (!r.done() && ((r.peek() >= 'A' && r.peek() <= 'Z') || (r.peek() >= 'a' && r.peek() <= 'z'))) ++r.i;
    return r.i - start >= 3;
}

// [+-]hh[:mm[:ss]] -> seconds (sign as written).
bool read_posix_time(Reader& r, int& out) {
    int sign = 1;
    if (r.peek() == '+' || r.peek() == '-') {
        if (r.peek() == '-') sign = -1;
        ++r.i;
    }
    int parts[3] = {0, 0, 0};
    for (int k = 0; k < 3; ++k) {
        if (k > 0) {
            if (r.peek() != ':') break;
            ++r.i;
        }
        int v = 0;
        std::size_t start = r.i;
        while (!r.done() && r.peek() >= '0' && r.peek() <= '9') v = v * 10 + (r.s[r.i++] - '0');
        if (r.i == start) return false;
        parts[k] = v;
    }
    out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    return true;
}

bool read_posix_when(Reader& r, PosixRule::When& w) {
    if (r.peek() != 'M') return false;  // Jn and n forms: not used by current tzdata zones
    ++r.i;
    int vals[3] = {0, 0, 0};
    for (int k = 0; k < 3; ++k) {
        if (k > 0) {
            if (r.peek() != '.') return false;
            ++r.i;
        }
        std::size_t start = r.i;
        while (!r.done() && r.peek() >= '0' && r.peek() <= '9') vals[k] = vals[k] * 10 + (r.s[r.i++] - '0');
        if (r.i == start) return false;
    }
    w.month = static_cast<unsigned>(vals[0]);
    w.week = static_cast<unsigned>(vals[1]);
    w.weekday = static_cast<unsigned>(vals[2]);
    if (w.month < 1 || w.month > 12 || w.week < 1 || w.week > 5 || w.weekday > 6) return false;
    w.time = 7200;
    if (r.peek() == '/') {
        ++r.i;
        if (!read_posix_time(r, w.time)) return false;
    }
    return true;
}

std::optional<PosixRule> parse_posix(std::string_view text) {
    Reader r{text};
    PosixRule rule;
    if (!read_posix_name(r)) return std::nullopt;
    int off = 0;
    if (!read_posix_time(r, off)) return std::nullopt;
    rule.std_offset = -off;  // POSIX counts west of UTC
    if (r.done()) return rule;
    if (!read_posix_name(r)) return std::nullopt;
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + 3600;
    if (r.peek() != ',' && !r.done()) {
        if (!read_posix_time(r, off)) return std::nullopt;
        rule.dst_offset = -off;
    }
    if (r.peek() != ',') return std::nullopt;
    ++r.i;
    if (!read_posix_when(r, rule.start)) return std::nullopt;
    if (r.peek() != ',') return std::nullopt;
    ++r.i;
    if (!read_posix_when(r, rule.end)) return std::nullopt;
    return r.done() ? std::optional(rule) : std::nullopt;
}

// Local seconds (as if UTC) of a rule's moment in a year.
std::int64_t when_local(const PosixRule::When& w, std::int64_t year) {
    std::int64_t first = days_from_civil(year, w.month, 1);
    auto first_wday = static_cast<unsigned>(((first + 4) % 7 + 7) % 7);  // 1970-01-01: Thursday
    unsigned day = 1 + (w.weekday + 7 - first_wday) % 7 + (w.week - 1) * 7;
    while (day > days_in_month(year, w.month)) day -= 7;
    return (first + day - 1) * 86400 + w.time;
}

int posix_offset(const PosixRule& rule, std::int64_t utc) {
    if (!rule.has_dst) return rule.std_offset;
    std::int64_t y;
    unsigned m, d;
    civil_from_days(floor_div(utc + rule.std_offset, 86400), y, m, d);
    std::int64_t start = when_local(rule.start, y) - rule.std_offset;
    std::int64_t end = when_local(rule.end, y) - rule.dst_offset;
    bool dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
    return dst ? rule.dst_offset : rule.std_offset;
}

std::int64_t be(const unsigned char* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
}

std::shared_ptr<const ZoneRules> load_tzif(const std::string& name) {
    if (name.empty() || name.find("..") != std::string::npos || name[0] == '/')
        throw std::runtime_error("unknown time zone '" + name + "'");
    const char* dir = std::getenv("TZDIR");
    std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo") + "/" + name;
    std::ifstream in(path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto bad = [&] { return std::runtime_error("unknown time zone '" + name + "' (no valid TZif file at " + path + ")"); };
    if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) throw bad();
    const auto* u = reinterpret_cast<const unsigned char*>(data.data());
    auto counts = [&](std::size_t at, std::int64_t c[6]) {
        for (int k = 0; k < 6; ++k) c[k] = be(u + at + 20 + 4 * k, 4);
    };
    std::int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    counts(0, c);
    auto block_size = [&](int time_bytes) {
        return c[3] * time_bytes + c[3] + c[4] * 6 + c[5] + c[2] * (time_bytes + 4) + c[1] + c[0];
    };
    std::size_t at = 44;
    int time_bytes = 4;
    if (data[4] >= '2') {
        at += static_cast<std::size_t>(block_size(4));
        if (at + 44 > data.size()) throw bad();
        counts(at, c);
        at += 44;
        time_bytes = 8;
    }
    if (at + static_cast<std::size_t>(block_size(time_bytes)) > data.size()) throw bad();
    auto rules = std::make_shared<ZoneRules>();
    const unsigned char* times = u + at;
    const unsigned char* idx = times + c[3] * time_bytes;
    const unsigned char* types = idx + c[3];
    std::vector<int> type_offsets;
    std::vector<bool> type_dst;
    for (std::int64_t k = 0; k < c[4]; ++k) {
        type_offsets.push_back(static_cast<int>(be(types + 6 * k, 4)));
        type_dst.push_back(types[6 * k + 4] != 0);
    }
    if (type_offsets.empty()) throw bad();
    rules->initial_offset = type_offsets[0];
    for (std::size_t k = 0; k < type_offsets.size(); ++k)
        if (!type_dst[k]) {
            rules->initial_offset = type_offsets[k];
            break;
        }
    for (std::int64_t k = 0; k < c[3]; ++k) {
        unsigned t = idx[k];
        if (t >= type_offsets.size()) throw bad();
        rules->transitions.push_back(be(times + k * time_bytes, time_bytes));
        rules->offsets.push_back(type_offsets[t]);
    }
    if (time_bytes == 8) {
        std::size_t footer = at + static_cast<std::size_t>(block_size(8));
        if (footer < data.size() && data[footer] == '\n') {
            std::size_t close = data.find('\n', footer + 1);
            if (close != std::string::npos && close > footer + 1) {
                rules->footer = parse_posix(std::string_view(data).substr(footer + 1, close - footer - 1));
                if (!rules->footer) throw bad();
            }
        }
    }
    return rules;
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
    z.rules_ = load_tzif(z.name_);
    return z;
}

int TimeZone::offset_at(std::int64_t utc) const {
    if (!rules_) return fixed_;
    const ZoneRules& r = *rules_;
    if (r.transitions.empty() || utc < r.transitions.front())
        return r.transitions.empty() && r.footer ? posix_offset(*r.footer, utc) : r.initial_offset;
    if (utc >= r.transitions.back() && r.footer) return posix_offset(*r.footer, utc);
    auto it = std::upper_bound(r.transitions.begin(), r.transitions.end(), utc);
    return r.offsets[static_cast<std::size_t>(it - r.transitions.begin()) - 1];
}

int TimeZone::offset_for_local(std::int64_t local) const {
    if (!rules_) return fixed_;
    // The offset before a change applies to wall times up to it (overlap: earlier instant;
    // gap: the wall time is read with the old offset, i.e. moves forward).
    int before = offset_at(local - 86400);
    int guess = offset_at(local - before);
    if (guess == before) return before;
    int after = offset_at(local - guess);
    return after == guess ? guess : before;
}

// ---- ISO 8601 -------------------------------------------------------------------------

namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
        char c = s[at + k];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

std::optional<std::int64_t> to_instant(std::int64_t y, int mo, int d, int h, int mi, int s, int ms,
                                       std::optional<int> offset, const TimeZone& zone) {
    if (mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(days_in_month(y, static_cast<unsigned>(mo))) || h > 23 ||
        mi > 59 || s > 60)
        return std::nullopt;
    std::int64_t local = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
                         mi * 60 + s;
    int off = offset ? *offset : zone.offset_for_local(local);
    return (local - off) * 1000 + ms;
}

void append_padded(std::string& out, std::int64_t v, int width) {
    char buf[24];
    bool neg = v < 0;
    auto r = std::to_chars(buf, buf + sizeof buf, neg ? -v : v);
    if (neg) out.push_back('-');
    for (int k = static_cast<int>(r.ptr - buf); k < width; ++k) out.push_back('0');
    out.append(buf, r.ptr);
}

void append_offset(std::string& out, int off, bool colon, bool z_for_utc) {
    if (off == 0 && z_for_utc) {
        out.push_back('Z');
        return;
    }
    out.push_back(off < 0 ? '-' : '+');
    int a = off < 0 ? -off : off;
    append_padded(out, a / 3600, 2);
    if (colon) out.push_back(':');
    append_padded(out, (a % 3600) / 60, 2);
}

struct Civil {
    std::int64_t year;
    unsigned month, day;
    int hour, minute, second, millis;
};

Civil civil_of(std::int64_t epoch_ms, int offset) {
    std::int64_t ms = epoch_ms + static_cast<std::int64_t>(offset) * 1000;
    std::int64_t days = floor_div(ms, 86400000);
    std::int64_t in_day = ms - days * 86400000;
    Civil c{};
    civil_from_days(days, c.year, c.month, c.day);
    c.hour = static_cast<int>(in_day / 3600000);
    c.minute = static_cast<int>(in_day / 60000 % 60);
    c.second = static_cast<int>(in_day / 1000 % 60);
    c.millis = static_cast<int>(in_day % 1000);
    return c;
}

}  // namespace

std::optional<std::int64_t> parse_iso8601(std::string_view s, const TimeZone& zone) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d))
        return std::nullopt;
    std::size_t i = 10;
    if (i < s.size() && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        if (!digits(s, i + 1, 2, h) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, mi))
            return std::nullopt;
        i += 6;
        if (i < s.size() && s[i] == ':') {
            if (!digits(s, i + 1, 2, sec)) return std::nullopt;
            i += 3;
            if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
                std::size_t start = ++i;
                int scale = 100;
                while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                    ms += (s[i] - '0') * scale;
                    scale /= 10;
                    ++i;
                }
                if (i == start) return std::nullopt;
            }
        }
    }
    std::optional<int> offset;
    if (i < s.size()) {
        offset = parse_offset(s.substr(i));
        if (!offset) return std::nullopt;
    }
    return to_instant(y, mo, d, h, mi, sec, ms, offset, zone);
}

std::string format_iso8601(std::int64_t epoch_ms, const TimeZone& zone) {
    int off = zone.offset_at(floor_div(epoch_ms, 1000));
    Civil c = civil_of(epoch_ms, off);
    std::string out;
    out.reserve(29);
    append_padded(out, c.year, 4);
    out.push_back('-');
    append_padded(out, c.month, 2);
    out.push_back('-');
    append_padded(out, c.day, 2);
    out.push_back('T');
    append_padded(out, c.hour, 2);
    out.push_back(':');
    append_padded(out, c.minute, 2);
    out.push_back(':');
    append_padded(out, c.second, 2);
    if (c.millis != 0) {
        out.push_back('.');
        append_padded(out, c.millis, 3);
    }
    append_offset(out, off, true, true);
    return out;
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
    Civil c = civil_of(epoch_ms, off);
    std::string out;
    for (const Token& t : tokens_) {
        switch (t.letter) {
        case 0: out += t.literal; break;
        case 'y': t.width == 2 ? append_padded(out, ((c.year % 100) + 100) % 100, 2) : append_padded(out, c.year, t.width); break;
        case 'M': append_padded(out, c.month, t.width); break;
        case 'd': append_padded(out, c.day, t.width); break;
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
