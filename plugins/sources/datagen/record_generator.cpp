#include "record_generator.hpp"

#include "civil_time.hpp"
#include "geo_route.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>

namespace sluice::datagen {

namespace {

char* put(char* out, std::string_view text) {
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
}

template <class Int>
char* put_int(char* out, Int value) {
    return std::to_chars(out, out + 24, value).ptr;
}

// Zero-padded to `width` digits; value must be non-negative.
char* put_padded(char* out, std::int64_t value, int width) {
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    for (auto length = end - digits; length < width; ++length) *out++ = '0';
    return put(out, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

// Exactly two digits, for the time of day: cheaper than to_chars plus padding.
char* put_two_digits(char* out, std::int64_t value) {
    out[0] = static_cast<char>('0' + value / 10);
    out[1] = static_cast<char>('0' + value % 10);
    return out + 2;
}

// Integer tenths as a decimal with one fractional digit: 884 -> "88.4".
char* put_tenths(char* out, std::int32_t tenths) {
    out = put_int(out, tenths / 10);
    *out++ = '.';
    *out++ = static_cast<char>('0' + tenths % 10);
    return out;
}

std::string interval_seconds_text(std::int64_t interval_ms) {
    std::string text = std::to_string(interval_ms / 1000);
    if (std::int64_t fraction = interval_ms % 1000; fraction != 0) {
        std::string millis = std::to_string(fraction);
        millis.insert(0, 3 - millis.size(), '0');
        while (millis.back() == '0') millis.pop_back();
        text += "." + millis;
    }
    return text;
}

}  // namespace

RecordGenerator::RecordGenerator(const ModelSettings& settings)
    : model_(settings), interval_text_(interval_seconds_text(settings.interval_ms)) {
    heads_.reserve(settings.sensors);
    for (std::uint32_t s = 0; s < settings.sensors; ++s) {
        const SensorProfile& p = model_.sensor(s);
        std::string geo;
        if (auto at = sensor_position(settings.geo, s, settings.sensors)) {
            char text[96];
            std::snprintf(text, sizeof text, ",\"geo_point_2d\":{\"lat\":%.5f,\"lon\":%.5f}", at->lat, at->lon);
            geo = text;
        }
        heads_.push_back("{\"sensor_id\":\"" + p.id + "\",\"road\":\"" + p.road + "\",\"lane\":" +
                         std::to_string(p.lane) + geo + ",\"ts\":\"");
    }
}

void RecordGenerator::enter_day(std::int64_t day) {
    const CivilDate date = civil_from_days(day);
    char* out = date_.data();
    out = put_padded(out, date.year, 4); // five digits only after the year 9999
    *out++ = '-';
    out = put_padded(out, date.month, 2);
    *out++ = '-';
    out = put_padded(out, date.day, 2);
    *out++ = 'T';
    date_size_ = static_cast<std::size_t>(out - date_.data());
    current_day_ = day;
}

void RecordGenerator::enter_step(std::uint64_t step) {
    conditions_ = model_.conditions(step);
    if (conditions_.day != current_day_) enter_day(conditions_.day);
    const std::int64_t ms_of_day = conditions_.timestamp_ms - conditions_.day * ms_per_day;
    const std::int64_t seconds = ms_of_day / 1000;
    char* out = put(step_text_.data(), std::string_view(date_.data(), date_size_));
    out = put_two_digits(out, seconds / 3600);
    *out++ = ':';
    out = put_two_digits(out, seconds / 60 % 60);
    *out++ = ':';
    out = put_two_digits(out, seconds % 60);
    // Milliseconds appear only when the interval is not whole seconds, so the common
    // case matches the usual "...:00Z" spelling.
    if (model_.settings().interval_ms % 1000 != 0) {
        *out++ = '.';
        out = put_padded(out, ms_of_day % 1000, 3);
    }
    out = put(out, "Z\",\"interval_s\":");
    out = put(out, interval_text_);
    out = put(out, ",\"vehicle_count\":");
    step_size_ = static_cast<std::size_t>(out - step_text_.data());
    current_step_ = step;
}

GeneratedRecord RecordGenerator::generate(std::uint64_t n) {
    const std::uint64_t sensors = model_.settings().sensors;
    const std::uint64_t step = n / sensors;
    const auto sensor = static_cast<std::uint32_t>(n - step * sensors);
    if (step != current_step_) enter_step(step);
    const Reading reading = model_.measure(sensor, conditions_);

    const std::string& head = heads_[sensor];
    char* out = put(value_.data(), head);
    out = put(out, std::string_view(step_text_.data(), step_size_));
    out = put_int(out, reading.vehicle_count);
    out = put(out, ",\"avg_speed_kmh\":");
    out = put_tenths(out, reading.avg_speed_tenths);
    out = put(out, ",\"occupancy_pct\":");
    out = put_tenths(out, reading.occupancy_tenths);
    out = put(out, ",\"heavy_vehicle_pct\":");
    out = put_tenths(out, reading.heavy_tenths);
    out = put(out, ",\"seq\":");
    out = put_int(out, n);
    *out++ = '}';

    GeneratedRecord record;
    record.key = model_.sensor(sensor).id;
    record.value = std::string_view(value_.data(), static_cast<std::size_t>(out - value_.data()));
    record.timestamp_ms = conditions_.timestamp_ms;
    return record;
}

}  // namespace sluice::datagen
