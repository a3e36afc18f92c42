// Kafka Connect's Filter, RegexRouter, InsertHeader, HeaderFrom and DropHeaders. None of them
// parses the value except header_from.
#include "transform_support.hpp"

#include <regex>
#include <set>
#include <unordered_map>

namespace sluice::transforms {

namespace {


// Drops every record it is applied to; give it a `predicate` (applied by the worker) to drop
// only some, exactly as Connect's Filter.
class Filter : public Transform {
public:
    Filter(const Config&, TaskContext&) {}
    bool apply(TransformRecord&) override { return false; }
};

class RegexRouter : public Transform {
public:
    struct Options {
        std::string regex, replacement;
    };
    static const config_kit::Spec<Options>& spec() {
        static const auto built = [] {
            config_kit::Spec<Options> k;
            k.key("regex", &Options::regex, "Regular expression matched against the whole topic name.").required();
            k.key("replacement", &Options::replacement, "New topic; $1, $2 ... insert capture groups.").required();
            k.check("regex", [](const Options& o) { return (void)compile_regex(o.regex, "regex_router"), std::string(); });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    RegexRouter(const Config& c, TaskContext&) : RegexRouter(spec().parse(c)) {}
    explicit RegexRouter(const Options& o) : regex_(compile_regex(o.regex, "regex_router")), replacement_(o.replacement) {}
    bool apply(TransformRecord& r) override {
        std::string topic(r.topic());
        auto it = cache_.find(topic);
        if (it == cache_.end()) {
            std::optional<std::string> routed;
            std::smatch m;
            if (std::regex_match(topic, m, regex_)) routed = m.format(replacement_);
            if (cache_.size() > 1024) cache_.clear();  // topics are few; bound it anyway
            it = cache_.emplace(topic, routed).first;
        }
        if (it->second) r.set_topic(*it->second);
        return true;
    }

private:
    std::regex regex_;
    std::string replacement_;
    std::unordered_map<std::string, std::optional<std::string>> cache_;
};

class InsertHeader : public Transform {
public:
    struct Options {
        std::string header, value;
    };
    static const config_kit::Spec<Options>& spec() {
        static const auto built = [] {
            config_kit::Spec<Options> k;
            k.key("header", &Options::header, "Header name.").required();
            k.key("value.literal", &Options::value, "Header value (its UTF-8 bytes).").required();
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    InsertHeader(const Config& c, TaskContext&) : InsertHeader(spec().parse(c)) {}
    explicit InsertHeader(const Options& o) : header_(o.header), value_(o.value) {}
    bool apply(TransformRecord& r) override {
        auto headers = r.headers();
        headers.push_back({header_, std::string_view(value_)});
        r.set_headers(headers);
        return true;
    }

private:
    std::string header_, value_;
};

class DropHeaders : public Transform {
public:
    struct Options {
        std::vector<std::string> headers;
    };
    static const config_kit::Spec<Options>& spec() {
        static const auto built = [] {
            config_kit::Spec<Options> k;
            k.key("headers", &Options::headers, "Header names to remove (every header with that name).").required();
            k.rule("headers", "drop_headers: 'headers' must name at least one header", [](const Options& o) { return o.headers.empty(); });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    DropHeaders(const Config& c, TaskContext&) {
        for (auto& h : spec().parse(c).headers) names_.insert(h);
    }
    bool apply(TransformRecord& r) override {
        std::vector<Header> kept;
        bool dropped = false;
        for (std::size_t i = 0; i < r.header_count(); ++i) {
            Header h = r.header(i);
            if (names_.count(h.key) != 0) dropped = true;
            else kept.push_back(h);
        }
        if (dropped) r.set_headers(kept);
        return true;
    }

private:
    std::set<std::string, std::less<>> names_;
};

class HeaderFrom : public Transform {
public:
    struct Options {
        Side side{};
        std::vector<std::string> fields, headers;
        bool move = false;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            declare_target(k, &O::side);
            k.key("fields", &O::fields, "Fields to copy or move into headers (dotted paths).").required();
            k.key("headers", &O::headers, "Header names, one per field, in the same order.").required();
            k.choice("operation", &O::move, {{"move", true}, {"copy", false}}, "move (remove the field) or copy.").required();
            k.check("headers", [](const O& o) {
                return o.fields.empty() || o.fields.size() != o.headers.size()
                           ? "header_from: 'fields' and 'headers' must be non-empty lists of the same length (" +
                                 std::to_string(o.fields.size()) + " fields, " + std::to_string(o.headers.size()) + " headers)"
                           : std::string();
            });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    HeaderFrom(const Config& c, TaskContext&) {
        const Options o = spec().parse(c);
        side_ = o.side;
        move_ = o.move;
        for (auto& f : o.fields) fields_.emplace_back(f);
        headers_ = o.headers;
    }
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, side_, "header_from");
        if (doc == nullptr) return true;  // null key/value: nothing to copy
        auto headers = r.headers();
        values_.clear();
        values_.reserve(fields_.size());
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            Lookup l = doc->lookup(fields_[i].path);
            if (l.status == Lookup::found && l.node->kind != Kind::null) values_.push_back(scalar_text(*doc, *l.node));
            else values_.push_back(std::nullopt);  // missing or null: a header with a null value
        }
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            headers.push_back({headers_[i], values_[i] ? std::optional<std::string_view>(*values_[i]) : std::nullopt});
            if (move_) {
                Lookup l = doc->lookup(fields_[i].path);
                if (l.status == Lookup::found && l.parent != nullptr) doc->remove(*l.parent, fields_[i].path.back());
            }
        }
        r.set_headers(headers);
        return true;
    }

private:
    Side side_;
    bool move_;
    std::vector<FieldPath> fields_;
    std::vector<std::string> headers_;
    std::vector<std::optional<std::string>> values_;
};

}  // namespace

SLUICE_TRANSFORM(Filter, "filter", "1.0.0", "Kafka Connect Filter: drops the record (use with a predicate)")
SLUICE_TRANSFORM(RegexRouter, "regex_router", "1.0.0", "Kafka Connect RegexRouter: renames the topic when the regex matches it")
SLUICE_TRANSFORM(InsertHeader, "insert_header", "1.0.0", "Kafka Connect InsertHeader: adds a header with a literal value")
SLUICE_TRANSFORM(DropHeaders, "drop_headers", "1.0.0", "Kafka Connect DropHeaders: removes headers by name")
SLUICE_TRANSFORM(HeaderFrom, "header_from", "1.0.0", "Kafka Connect HeaderFrom: copies or moves fields into headers")

}  // namespace sluice::transforms
