#include "sluice/time_zone.hpp"

#include "sluice/civil_time.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace sluice::tz {
namespace {

using civil::days_from_civil;
using civil::days_in_month;
using civil::floor_div;
using civil::is_leap_year;
using civil::seconds_per_day;

// ---- POSIX TZ strings ----

struct RuleReader {
    std::string_view text;
    std::size_t i = 0;
    bool done() const { return i >= text.size(); }
    char peek() const { return done() ? '\0' : text[i]; }
    [[noreturn]] void fail(const std::string& what) const {
        throw TimeZoneError("TZ rule '" + std::string(text) + "': " + what + " at character " + std::to_string(i + 1));
    }
    void name() {
        if (peek() == '<') {
            const std::size_t end = text.find('>', i);
            if (end == std::string_view::npos) fail("'<' without '>'");
            i = end + 1;
            return;
        }
        const std::size_t start = i;
        while (!done() && ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z'))) ++i;
        if (i - start < 3) fail("expected a zone abbreviation");
    }
    int number() {
        if (done() || peek() < '0' || peek() > '9') fail("expected a number");
        int n = 0;
        while (!done() && peek() >= '0' && peek() <= '9') n = n * 10 + (text[i++] - '0');
        return n;
    }
    // [+-]hh[:mm[:ss]] in seconds, sign as written.
    std::int64_t hms() {
        int sign = 1;
        if (peek() == '+' || peek() == '-') sign = text[i++] == '-' ? -1 : 1;
        std::int64_t s = std::int64_t{number()} * 3600;
        if (peek() == ':') { ++i; s += number() * 60; }
        if (peek() == ':') { ++i; s += number(); }
        return sign * s;
    }
    PosixRule::Boundary boundary() {
        PosixRule::Boundary b;
        if (peek() == 'M') {
            ++i;
            b.month = number();
            if (peek() != '.') fail("expected '.'");
            ++i;
            b.week = number();
            if (peek() != '.') fail("expected '.'");
            ++i;
            b.weekday = number();
            if (b.month < 1 || b.month > 12 || b.week < 1 || b.week > 5 || b.weekday > 6) fail("bad Mm.w.d date");
        } else if (peek() == 'J') {
            ++i;
            b.kind = PosixRule::Boundary::Kind::julian_no_leap;
            b.day = number();
            if (b.day < 1 || b.day > 365) fail("bad Jn day");
        } else {
            b.kind = PosixRule::Boundary::Kind::julian_zero;
            b.day = number();
            if (b.day > 365) fail("bad day");
        }
        if (peek() == '/') {
            ++i;
            b.time_s = hms();
        }
        return b;
    }
};

// The local (wall clock) second, counted from the epoch, at which a boundary falls in `year`.
std::int64_t boundary_local_s(std::int64_t year, const PosixRule::Boundary& b) {
    std::int64_t day = 0;
    using Kind = PosixRule::Boundary::Kind;
    if (b.kind == Kind::month_week_day) {
        const std::int64_t first = days_from_civil(year, static_cast<unsigned>(b.month), 1);
        const std::int64_t weekday_of_first = (civil::weekday_from_days(first) + 1) % 7;  // POSIX: 0 is Sunday
        day = first + (b.weekday - weekday_of_first + 7) % 7 + (b.week - 1) * 7;
        const std::int64_t last = first + days_in_month(year, static_cast<unsigned>(b.month)) - 1;
        while (day > last) day -= 7;  // week 5 means "the last one"
    } else if (b.kind == Kind::julian_no_leap) {
        day = days_from_civil(year, 1, 1) + b.day - 1 + (is_leap_year(year) && b.day >= 60 ? 1 : 0);
    } else {
        day = days_from_civil(year, 1, 1) + b.day;
    }
    return day * seconds_per_day + b.time_s;
}

// ---- TZif ----

struct ByteReader {
    std::string_view bytes;
    std::size_t i = 0;
    const std::string* name;
    void need(std::size_t n) const {
        if (i + n > bytes.size()) throw TimeZoneError("time zone " + *name + ": truncated TZif data");
    }
    std::int64_t be(std::size_t n) {
        need(n);
        std::uint64_t v = 0;
        for (std::size_t k = 0; k < n; ++k) v = (v << 8) | static_cast<unsigned char>(bytes[i + k]);
        i += n;
        if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
        return static_cast<std::int64_t>(v);
    }
    void skip(std::size_t n) {
        need(n);
        i += n;
    }
};

struct TzifHeader {
    char version = 0;
    std::int64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

TzifHeader read_header(ByteReader& r) {
    r.need(44);
    if (r.bytes.substr(r.i, 4) != "TZif") throw TimeZoneError("time zone " + *r.name + ": not a TZif file");
    TzifHeader h;
    h.version = r.bytes[r.i + 4];
    r.skip(20);
    h.isutcnt = r.be(4);
    h.isstdcnt = r.be(4);
    h.leapcnt = r.be(4);
    h.timecnt = r.be(4);
    h.typecnt = r.be(4);
    h.charcnt = r.be(4);
    if (h.typecnt < 1 || h.timecnt < 0 || h.charcnt < 0 || h.leapcnt < 0 || h.isutcnt < 0 || h.isstdcnt < 0)
        throw TimeZoneError("time zone " + *r.name + ": malformed TZif header");
    return h;
}

}  // namespace

PosixRule PosixRule::parse(std::string_view text) {
    RuleReader r{text};
    PosixRule rule;
    r.name();
    rule.std_offset_s = static_cast<int>(-r.hms());  // POSIX counts west of UTC
    if (r.done()) return rule;
    r.name();
    rule.dst_offset_s = rule.std_offset_s + 3600;
    if (!r.done() && r.peek() != ',') rule.dst_offset_s = static_cast<int>(-r.hms());
    if (r.done()) {
        // No rule given: POSIX leaves it to the implementation; use the US rule as glibc does.
        rule.dst_start = {PosixRule::Boundary::Kind::month_week_day, 3, 2, 0, 0, 7200};
        rule.dst_end = {PosixRule::Boundary::Kind::month_week_day, 11, 1, 0, 0, 7200};
        return rule;
    }
    if (r.peek() != ',') r.fail("expected ','");
    ++r.i;
    rule.dst_start = r.boundary();
    if (r.peek() != ',') r.fail("expected ','");
    ++r.i;
    rule.dst_end = r.boundary();
    if (!r.done()) r.fail("unexpected text");
    return rule;
}

int PosixRule::offset_at(std::int64_t utc_s) const {
    if (!dst_offset_s) return std_offset_s;
    const std::int64_t year = civil::civil_from_days(floor_div(utc_s + std_offset_s, seconds_per_day)).year;
    const std::int64_t start = boundary_local_s(year, dst_start) - std_offset_s;  // written in standard time
    const std::int64_t end = boundary_local_s(year, dst_end) - *dst_offset_s;     // written in daylight time
    const bool in_dst = start < end ? (utc_s >= start && utc_s < end) : !(utc_s >= end && utc_s < start);
    return in_dst ? *dst_offset_s : std_offset_s;
}

std::string zoneinfo_dir_from_environment() {
    const char* dir = std::getenv("TZDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo";
}

TimeZone TimeZone::utc() {
    TimeZone z;
    z.name_ = "UTC";
    return z;
}

TimeZone TimeZone::load(const std::string& name, const std::string& zoneinfo_dir) {
    if (name == "UTC" || name == "Etc/UTC" || name == "Z") return utc();
    if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos)
        throw TimeZoneError("time zone '" + name + "': not an IANA zone name such as Europe/Paris");
    const std::string path = zoneinfo_dir + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TimeZoneError("time zone '" + name + "': no such zone (" + path + " cannot be read; is tzdata installed?)");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return from_tzif(name, bytes);
}

TimeZone TimeZone::from_tzif(const std::string& name, std::string_view bytes) {
    TimeZone z;
    z.name_ = name;
    ByteReader r{bytes, 0, &z.name_};
    TzifHeader h = read_header(r);
    std::size_t time_size = 4;
    if (h.version >= '2') {
        // Skip the 32-bit block; the 64-bit one that follows covers every instant.
        r.skip(static_cast<std::size_t>(h.timecnt * 5 + h.typecnt * 6 + h.charcnt + h.leapcnt * 8 + h.isstdcnt + h.isutcnt));
        h = read_header(r);
        time_size = 8;
    }
    std::vector<std::int64_t> times(static_cast<std::size_t>(h.timecnt));
    for (auto& t : times) t = r.be(time_size);
    std::vector<std::size_t> type_of(static_cast<std::size_t>(h.timecnt));
    for (auto& t : type_of) t = static_cast<std::size_t>(r.be(1));
    std::vector<int> type_offsets(static_cast<std::size_t>(h.typecnt));
    for (auto& o : type_offsets) {
        o = static_cast<int>(r.be(4));
        r.skip(2);  // isdst, abbreviation index
    }
    r.skip(static_cast<std::size_t>(h.charcnt + h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt));
    for (std::size_t k = 0; k < times.size(); ++k) {
        if (type_of[k] >= type_offsets.size()) throw TimeZoneError("time zone " + name + ": bad local time type index");
        z.transitions_.push_back(times[k]);
        z.offsets_after_.push_back(type_offsets[type_of[k]]);
    }
    z.initial_offset_ = type_offsets[0];
    if (time_size == 8 && r.i < bytes.size() && bytes[r.i] == '\n') {
        const std::size_t end = bytes.find('\n', r.i + 1);
        if (end != std::string_view::npos && end > r.i + 1) z.rule_ = PosixRule::parse(bytes.substr(r.i + 1, end - r.i - 1));
    }
    return z;
}

int TimeZone::offset_at(std::int64_t utc_s) const {
    if (transitions_.empty()) return rule_ ? rule_->offset_at(utc_s) : initial_offset_;
    if (utc_s < transitions_.front()) return initial_offset_;
    if (utc_s >= transitions_.back() && rule_) return rule_->offset_at(utc_s);
    const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_s);
    return offsets_after_[static_cast<std::size_t>(it - transitions_.begin()) - 1];
}

std::int64_t TimeZone::local_to_utc(std::int64_t local_s) const {
    // Offsets change at most a few times a year: the offsets a day before and a day after
    // are the only candidates.
    const int before = offset_at(local_s - seconds_per_day);
    const int after = offset_at(local_s + seconds_per_day);
    if (offset_at(local_s - before) == before) return local_s - before;
    if (offset_at(local_s - after) == after) return local_s - after;
    return local_s - before;  // in a gap
}

std::optional<std::int64_t> parse_instant_ms(std::string_view text, const TimeZone& zone) {
    auto f = civil::read_iso_fields(text, "T ");
    if (!f || f->month < 1 || f->month > 12 || f->day < 1 || f->day > civil::days_in_month(f->year, f->month) ||
        f->hour > 23 || f->minute > 59 || f->second > 60)
        return std::nullopt;
    const std::int64_t wall = civil::days_from_civil(f->year, f->month, f->day) * civil::seconds_per_day +
                              f->hour * 3600 + f->minute * 60 + f->second;
    const std::string_view rest = text.substr(f->end);
    std::int64_t utc_s = 0;
    if (rest.empty()) {
        utc_s = zone.local_to_utc(wall);
    } else if (rest == "Z" || rest == "z") {
        utc_s = wall;
    } else if ((rest[0] == '+' || rest[0] == '-') && (rest.size() == 6 || rest.size() == 5 || rest.size() == 3)) {
        const auto hh = civil::read_digits(rest, 1, 2);
        std::optional<unsigned> mm = 0u;
        if (rest.size() == 6) mm = rest[3] == ':' ? civil::read_digits(rest, 4, 2) : std::nullopt;
        else if (rest.size() == 5) mm = civil::read_digits(rest, 3, 2);
        if (!hh || !mm || *hh > 23 || *mm > 59) return std::nullopt;
        const std::int64_t offset = std::int64_t{*hh} * 3600 + std::int64_t{*mm} * 60;
        utc_s = rest[0] == '+' ? wall - offset : wall + offset;
    } else {
        return std::nullopt;
    }
    return utc_s * 1000 + f->millis;
}

}  // namespace sluice::tz
