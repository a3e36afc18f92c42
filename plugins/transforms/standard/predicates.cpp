// Kafka Connect's predicates (TopicNameMatches, HasHeaderKey, RecordIsTombstone) and
// field_matches, which compares one field of the value (or key) with a constant.
#include "transform_support.hpp"

#include <regex>
#include <unordered_map>

namespace sluice::transforms {

namespace {


class TopicNameMatches : public Predicate {
public:
    struct Options {
        std::string pattern;
    };
    static const config_kit::Spec<Options>& spec() {
        static const auto built = [] {
            config_kit::Spec<Options> k;
            k.key("pattern", &Options::pattern, "Regular expression matched against the whole topic name.").required();
            k.check("pattern", [](const Options& o) { return (void)compile_regex(o.pattern, "topic_name_matches"), std::string(); });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    TopicNameMatches(const Config& c, TaskContext&) : regex_(compile_regex(spec().parse(c).pattern, "topic_name_matches")) {}
    bool test(TransformRecord& r) override {
        std::string topic(r.topic());
        auto it = cache_.find(topic);
        if (it != cache_.end()) return it->second;
        bool match = std::regex_match(topic, regex_);
        if (cache_.size() > 1024) cache_.clear();
        cache_.emplace(std::move(topic), match);
        return match;
    }

private:
    std::regex regex_;
    std::unordered_map<std::string, bool> cache_;
};

class HasHeaderKey : public Predicate {
public:
    struct Options {
        std::string name;
    };
    static const config_kit::Spec<Options>& spec() {
        static const auto built = [] {
            config_kit::Spec<Options> k;
            k.key("name", &Options::name, "Header name.").required();
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    HasHeaderKey(const Config& c, TaskContext&) : name_(spec().parse(c).name) {}
    bool test(TransformRecord& r) override {
        for (std::size_t i = 0; i < r.header_count(); ++i)
            if (r.header(i).key == name_) return true;
        return false;
    }

private:
    std::string name_;
};

class RecordIsTombstone : public Predicate {
public:
    RecordIsTombstone(const Config&, TaskContext&) {}
    bool test(TransformRecord& r) override { return r.is_null(Side::value); }
};

enum class Op { eq, ne, lt, gt, le, ge, matches, in };

class FieldMatches : public Predicate {
public:
    struct Options {
        Side side{};
        std::string field, op;
        std::optional<std::string> value;
        std::vector<std::string> values;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            declare_target(k, &O::side);
            k.key("field", &O::field, "Field to test (dotted path).").required();
            k.key("op", &O::op, "Comparison: ==, !=, <, >, <=, >=, matches (regex, whole text) or in.")
                .default_value("==")
                .one_of({"==", "!=", "<", ">", "<=", ">=", "matches", "in"});
            k.key("value", &O::value, "Constant compared with the field (ops other than in).");
            k.key("values", &O::values, "Constants for op: in.");
            k.rule("values", "field_matches: op 'in' needs a non-empty 'values' list",
                   [](const O& o) { return o.op == "in" && o.values.empty(); });
            k.check("value", [](const O& o) {
                if (o.op == "in") return std::string();
                if (!o.value) return "field_matches: op '" + o.op + "' needs 'value'";
                if (o.op == "matches") (void)compile_regex(*o.value, "field_matches");
                return std::string();
            });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    FieldMatches(const Config& c, TaskContext&) : FieldMatches(spec().parse(c)) {}
    explicit FieldMatches(const Options& o) : side_(o.side), field_(o.field) {
        const std::string& op = o.op;
        op_ = op == "!=" ? Op::ne : op == "<" ? Op::lt : op == ">" ? Op::gt : op == "<=" ? Op::le : op == ">=" ? Op::ge
              : op == "matches" ? Op::matches : op == "in" ? Op::in : Op::eq;
        if (op_ == Op::in) {
            values_ = o.values;
        } else {
            values_ = {*o.value};
            if (op_ == Op::matches) regex_ = compile_regex(values_[0], "field_matches");
        }
        for (const auto& v : values_) numbers_.push_back(parse_double(v));
    }
    // Missing field, null field or null value: no match, whatever the operator.
    bool test(TransformRecord& r) override {
        Document* doc = record_document(r, side_, "field_matches");
        if (doc == nullptr || doc->root().kind != Kind::object) {
            if (doc == nullptr) return false;
            data_error("field_matches", "expected the record " + std::string(side_name(side_)) +
                                            " to be a JSON object, found " + kind_name(doc->root().kind));
        }
        Lookup l = doc->lookup(field_.path);
        if (l.status != Lookup::found || l.node->kind == Kind::null) return false;
        const Node& n = *l.node;
        if (op_ == Op::matches) {
            std::string text = scalar_text(*doc, n);
            return std::regex_match(text, *regex_);
        }
        if (op_ == Op::in) {
            for (std::size_t i = 0; i < values_.size(); ++i)
                if (compare(*doc, n, i) == 0) return true;
            return false;
        }
        auto c = compare(*doc, n, 0);
        if (!c) return op_ == Op::ne;  // incomparable (e.g. an object): only != holds
        switch (op_) {
        case Op::eq: return *c == 0;
        case Op::ne: return *c != 0;
        case Op::lt: return *c < 0;
        case Op::gt: return *c > 0;
        case Op::le: return *c <= 0;
        case Op::ge: return *c >= 0;
        default: return false;
        }
    }

private:
    // Numbers compare numerically with a numeric constant; strings compare as UTF-8 bytes;
    // booleans equal "true"/"false". nullopt: not comparable.
    std::optional<int> compare(Document& doc, const Node& n, std::size_t i) {
        if (n.kind == Kind::number) {
            if (!numbers_[i]) return std::nullopt;
            double v = *number_of(n);
            return v < *numbers_[i] ? -1 : v > *numbers_[i] ? 1 : 0;
        }
        if (n.kind == Kind::string) {
            int c = doc.string_value(n).compare(values_[i]);
            return c < 0 ? -1 : c > 0 ? 1 : 0;
        }
        if (n.kind == Kind::boolean) {
            if (values_[i] != "true" && values_[i] != "false") return std::nullopt;
            return n.text == values_[i] ? 0 : (n.text == "true" ? 1 : -1);
        }
        return std::nullopt;
    }
    Side side_;
    FieldPath field_;
    Op op_ = Op::eq;
    std::vector<std::string> values_;
    std::vector<std::optional<double>> numbers_;
    std::optional<std::regex> regex_;
};

}  // namespace

SLUICE_PREDICATE(TopicNameMatches, "topic_name_matches", "1.0.0", "Kafka Connect TopicNameMatches: the topic name matches a regex")
SLUICE_PREDICATE(HasHeaderKey, "has_header_key", "1.0.0", "Kafka Connect HasHeaderKey: the record has a header with this name")
SLUICE_PREDICATE(RecordIsTombstone, "record_is_tombstone", "1.0.0", "Kafka Connect RecordIsTombstone: the value is null")
SLUICE_PREDICATE(FieldMatches, "field_matches", "1.0.0", "A value (or key) field compared with a constant: ==, !=, <, >, <=, >=, regex, in-list")

}  // namespace sluice::transforms
