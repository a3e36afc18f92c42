// Kafka Connect's TimestampConverter and TimestampRouter, with time zones (an extension:
// Connect always works in UTC, which stays the default).
#include "time_format.hpp"
#include "transform_support.hpp"

namespace sluice::transforms {

namespace {

enum class Precision { seconds, milliseconds, microseconds, nanoseconds };

ConfigKey timezone_key() {
    return ConfigKey::string("timezone", "Zone for wall times without an offset and for formatted output: UTC, "
                                         "+01:00, or an IANA name such as Europe/Paris.")
        .default_value("UTC");
}

TimeZone zone_of(const Config& c, std::string_view transform) {
    try {
        return TimeZone::parse(c.string_or("timezone", "UTC"));
    } catch (const std::exception& e) {
        throw FatalError(std::string(transform) + ": " + e.what());
    }
}

DatePattern pattern_of(const std::string& text, std::string_view transform) {
    try {
        return DatePattern::compile(text);
    } catch (const std::exception& e) {
        throw FatalError(std::string(transform) + ": " + e.what());
    }
}

class TimestampConverter : public Transform {
public:
    static std::vector<ConfigKey> config_keys() {
        return {target_key(),
                ConfigKey::string("field", "Field holding the timestamp (dotted path); empty: the whole value.").default_value(""),
                ConfigKey::string("target.type", "Output: string, unix, Date (days since epoch), Time (ms since "
                                                 "midnight) or Timestamp (epoch ms).")
                    .required()
                    .one_of({"string", "unix", "Date", "Time", "Timestamp"}),
                ConfigKey::string("format", "SimpleDateFormat pattern to read input strings and write string output; "
                                            "empty: ISO 8601.")
                    .default_value(""),
                ConfigKey::string("unix.precision", "Unit of unix numbers, read and written.")
                    .default_value("milliseconds")
                    .one_of({"seconds", "milliseconds", "microseconds", "nanoseconds"}),
                timezone_key()};
    }
    TimestampConverter(const Config& c, TaskContext&)
        : side_(target_side(c)),
          field_(c.string_or("field", "")),
          zone_(zone_of(c, "timestamp_converter")) {
        std::string t = c.string("target.type");
        target_ = t;
        std::string fmt = c.string_or("format", "");
        if (!fmt.empty()) pattern_ = pattern_of(fmt, "timestamp_converter");
        std::string p = c.string_or("unix.precision", "milliseconds");
        precision_ = p == "seconds" ? Precision::seconds
                     : p == "microseconds" ? Precision::microseconds
                     : p == "nanoseconds" ? Precision::nanoseconds
                                          : Precision::milliseconds;
        whole_ = field_.text.empty();
    }
    bool apply(TransformRecord& r) override {
        if (whole_) {
            Document* doc = record_document(r, side_, "timestamp_converter");
            if (doc == nullptr) return true;
            doc->set_root(convert(*doc, doc->root(), "the whole " + std::string(side_name(side_))));
            return true;
        }
        Document* doc = object_document(r, side_, "timestamp_converter");
        if (doc == nullptr) return true;
        Lookup l = doc->lookup(field_.path);
        if (l.status == Lookup::missing && l.parent != nullptr) {
            doc->set(*l.parent, field_.path.back(), doc->make_null());  // missing: null, as Connect
            return true;
        }
        if (l.status != Lookup::found) return true;
        doc->set(*l.parent, field_.path.back(), convert(*doc, *l.node, "field '" + field_.text + "'"));
        return true;
    }

private:
    std::int64_t read(Document& doc, const Node& v, const std::string& what) const {
        if (v.kind == Kind::number) {
            auto i = integer_of(v);
            if (!i) data_error("timestamp_converter", what + " is " + std::string(v.text) + ", expected an integer unix time");
            switch (precision_) {
            case Precision::seconds: return *i * 1000;
            case Precision::milliseconds: return *i;
            case Precision::microseconds: return floor_div(*i, 1000);
            case Precision::nanoseconds: return floor_div(*i, 1000000);
            }
        }
        if (v.kind == Kind::string) {
            std::string_view s = doc.string_value(v);
            auto t = pattern_ ? pattern_->parse(s, zone_) : parse_iso8601(s, zone_);
            if (!t)
                data_error("timestamp_converter", what + " is \"" + std::string(s) + "\", expected a timestamp in " +
                                                      (pattern_ ? "the format '" + pattern_->text() + "'" : std::string("ISO 8601")));
            return *t;
        }
        data_error("timestamp_converter", what + " is " + kind_name(v.kind) + ", expected a string or a unix time");
    }
    Node* convert(Document& doc, const Node& v, const std::string& what) const {
        if (v.kind == Kind::null) return doc.make_null();
        std::int64_t ms = read(doc, v, what);
        if (target_ == "string") return doc.make_string(pattern_ ? pattern_->format(ms, zone_) : format_iso8601(ms, zone_));
        if (target_ == "Timestamp") return doc.make_integer(ms);
        if (target_ == "Date") return doc.make_integer(floor_div(ms, 86400000));
        if (target_ == "Time") return doc.make_integer(ms - floor_div(ms, 86400000) * 86400000);
        switch (precision_) {  // unix
        case Precision::seconds: return doc.make_integer(floor_div(ms, 1000));
        case Precision::milliseconds: return doc.make_integer(ms);
        case Precision::microseconds: return doc.make_integer(ms * 1000);
        case Precision::nanoseconds: return doc.make_integer(ms * 1000000);
        }
        return doc.make_integer(ms);
    }
    Side side_;
    FieldPath field_;
    TimeZone zone_;
    std::string target_;
    std::optional<DatePattern> pattern_;
    Precision precision_ = Precision::milliseconds;
    bool whole_ = false;
};

class TimestampRouter : public Transform {
public:
    static std::vector<ConfigKey> config_keys() {
        return {ConfigKey::string("topic.format", "New topic; ${topic} and ${timestamp} are replaced.")
                    .default_value("${topic}-${timestamp}"),
                ConfigKey::string("timestamp.format", "SimpleDateFormat pattern for ${timestamp}.").default_value("yyyyMMdd"),
                timezone_key()};
    }
    TimestampRouter(const Config& c, TaskContext&)
        : topic_format_(c.string_or("topic.format", "${topic}-${timestamp}")),
          pattern_(pattern_of(c.string_or("timestamp.format", "yyyyMMdd"), "timestamp_router")),
          zone_(zone_of(c, "timestamp_router")) {}
    bool apply(TransformRecord& r) override {
        if (r.timestamp_ms() == SLUICE_NO_TIMESTAMP)
            data_error("timestamp_router", "the record has no timestamp to route by");
        std::string stamp = pattern_.format(r.timestamp_ms(), zone_);
        std::string topic;
        std::string_view f = topic_format_;
        for (std::size_t i = 0; i < f.size();) {
            if (f.compare(i, 8, "${topic}") == 0) {
                topic += r.topic();
                i += 8;
            } else if (f.compare(i, 12, "${timestamp}") == 0) {
                topic += stamp;
                i += 12;
            } else {
                topic.push_back(f[i++]);
            }
        }
        r.set_topic(topic);
        return true;
    }

private:
    std::string topic_format_;
    DatePattern pattern_;
    TimeZone zone_;
};

}  // namespace

SLUICE_TRANSFORM(TimestampConverter, "timestamp_converter", "1.0.0", "Kafka Connect TimestampConverter: between strings (SimpleDateFormat or ISO 8601), unix times and epoch values, with time zones")
SLUICE_TRANSFORM(TimestampRouter, "timestamp_router", "1.0.0", "Kafka Connect TimestampRouter: topic from the topic name and the record timestamp")

}  // namespace sluice::transforms
