// Kafka Connect's TimestampConverter and TimestampRouter, with time zones (an extension:
// Connect always works in UTC, which stays the default).
#include "time_format.hpp"
#include "transform_support.hpp"

namespace sluice::transforms {

namespace {

enum class Precision { seconds, milliseconds, microseconds, nanoseconds };

TimeZone zone_of(const std::string& name, std::string_view transform);

// The `timezone` key of both transforms, filling `zone` (parsed: a bad zone is a problem of the key).
template <class O>
void declare_timezone(config_kit::Spec<O>& k, TimeZone O::*zone, std::string_view transform) {
    k.custom("timezone", SLUICE_CONFIG_STRING,
             "Zone for wall times without an offset and for formatted output: UTC, +01:00, or an IANA name such as Europe/Paris.",
             [zone, transform](O& o, const Config& c) { o.*zone = zone_of(c.string_or("timezone", "UTC"), transform); })
        .default_value("UTC");
}

TimeZone zone_of(const std::string& name, std::string_view transform) {
    try {
        return TimeZone::parse(name);
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
    struct Options {
        Side side{};
        std::string field, target, format;
        Precision precision = Precision::milliseconds;
        TimeZone zone;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            declare_target(k, &O::side);
            k.key("field", &O::field, "Field holding the timestamp (dotted path); empty: the whole value.").default_value("");
            k.key("target.type", &O::target, "Output: string, unix, Date (days since epoch), Time (ms since midnight) or Timestamp (epoch ms).")
                .required()
                .one_of({"string", "unix", "Date", "Time", "Timestamp"});
            k.key("format", &O::format, "SimpleDateFormat pattern to read input strings and write string output; empty: ISO 8601.").default_value("");
            k.choice("unix.precision", &O::precision, {{"seconds", Precision::seconds}, {"milliseconds", Precision::milliseconds},
                                                       {"microseconds", Precision::microseconds}, {"nanoseconds", Precision::nanoseconds}},
                     "Unit of unix numbers, read and written.")
                .default_value(Precision::milliseconds);
            declare_timezone(k, &O::zone, "timestamp_converter");
            k.check("format", [](const O& o) {
                if (!o.format.empty()) (void)pattern_of(o.format, "timestamp_converter");
                return std::string();
            });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    TimestampConverter(const Config& c, TaskContext&) : TimestampConverter(spec().parse(c)) {}
    explicit TimestampConverter(const Options& o) : side_(o.side), field_(o.field), zone_(o.zone) {
        target_ = o.target;
        if (!o.format.empty()) pattern_ = pattern_of(o.format, "timestamp_converter");
        precision_ = o.precision;
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
    struct Options {
        std::string topic_format, timestamp_format;
        TimeZone zone;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            k.key("topic.format", &O::topic_format, "New topic; ${topic} and ${timestamp} are replaced.").default_value("${topic}-${timestamp}");
            k.key("timestamp.format", &O::timestamp_format, "SimpleDateFormat pattern for ${timestamp}.").default_value("yyyyMMdd");
            declare_timezone(k, &O::zone, "timestamp_router");
            k.check("timestamp.format", [](const O& o) { return (void)pattern_of(o.timestamp_format, "timestamp_router"), std::string(); });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    TimestampRouter(const Config& c, TaskContext&) : TimestampRouter(spec().parse(c)) {}
    explicit TimestampRouter(const Options& o)
        : topic_format_(o.topic_format), pattern_(pattern_of(o.timestamp_format, "timestamp_router")), zone_(o.zone) {}
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
