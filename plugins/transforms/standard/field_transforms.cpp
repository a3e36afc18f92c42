// Kafka Connect's field transforms for schemaless JSON: InsertField, ReplaceField, MaskField,
// Cast, ValueToKey, ExtractField, Flatten, HoistField. Each works on the record value, or on
// the key with `target: key`. Behaviours for null values, missing fields and wrong types are
// listed in docs/transforms.md and follow Connect's unless said otherwise there.
#include "transform_support.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>

namespace sluice::transforms {

namespace {

// ---- insert_field -------------------------------------------------------------------------

// A Connect InsertField field spec: "name", "name!" (required) or "name?" (optional).
struct InsertSpec {
    std::string name;
    bool required = false;
    bool set = false;
};

InsertSpec insert_spec(const std::optional<std::string>& text) {
    InsertSpec s;
    if (!text) return s;
    s.name = *text;
    if (!s.name.empty() && (s.name.back() == '!' || s.name.back() == '?')) {
        s.required = s.name.back() == '!';
        s.name.pop_back();
    }
    s.set = !s.name.empty();
    return s;
}

class InsertField : public Transform {
public:
    struct Options {
        Side side{};
        std::optional<std::string> topic, partition, offset, timestamp, static_field;
        std::string static_value;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            declare_target(k, &O::side);
            k.key("topic.field", &O::topic, "Field for the record's topic; suffix ! (required) or ? (optional).");
            k.key("partition.field", &O::partition, "Field for the Kafka partition (skipped when unknown unless suffixed !).");
            k.key("offset.field", &O::offset, "Field for the Kafka offset (sink connectors only).");
            k.key("timestamp.field", &O::timestamp, "Field for the record timestamp, epoch milliseconds.");
            k.key("static.field", &O::static_field, "Field for a fixed value.");
            k.key("static.value", &O::static_value, "The fixed value (a JSON string).");
            k.rule("", "insert_field: set at least one of topic.field, partition.field, offset.field, timestamp.field, static.field",
                   [](const O& o) {
                       for (const auto* f : {&o.topic, &o.partition, &o.offset, &o.timestamp, &o.static_field})
                           if (insert_spec(*f).set) return false;
                       return true;
                   });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    InsertField(const Config& c, TaskContext&) : InsertField(spec().parse(c)) {}
    explicit InsertField(const Options& o)
        : side_(o.side),
          topic_(insert_spec(o.topic)),
          partition_(insert_spec(o.partition)),
          offset_(insert_spec(o.offset)),
          timestamp_(insert_spec(o.timestamp)),
          static_(insert_spec(o.static_field)),
          static_value_(o.static_value) {}
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, side_, "insert_field");
        if (doc == nullptr) return true;  // tombstone: unchanged, as Connect
        Node& root = doc->root();
        if (topic_.set) doc->set(root, topic_.name, doc->make_string(r.topic()));
        if (partition_.set) {
            if (r.partition() >= 0) doc->set(root, partition_.name, doc->make_integer(r.partition()));
            else if (partition_.required) data_error("insert_field", "partition.field '" + partition_.name + "' is required but the record has no partition yet");
        }
        if (offset_.set) {
            if (r.is_source()) data_error("insert_field", "offset.field '" + offset_.name + "' needs a sink record (a source record has no Kafka offset yet)");
            doc->set(root, offset_.name, doc->make_integer(r.offset()));
        }
        if (timestamp_.set) {
            if (r.timestamp_ms() != SLUICE_NO_TIMESTAMP) doc->set(root, timestamp_.name, doc->make_integer(r.timestamp_ms()));
            else if (timestamp_.required) data_error("insert_field", "timestamp.field '" + timestamp_.name + "' is required but the record has no timestamp");
        }
        if (static_.set) doc->set(root, static_.name, doc->make_string(static_value_));
        return true;
    }

private:
    Side side_;
    InsertSpec topic_, partition_, offset_, timestamp_, static_;
    std::string static_value_;
};

// ---- replace_field --------------------------------------------------------------------------

class ReplaceField : public Transform {
public:
    struct Options {
        Side side{};
        std::vector<std::string> exclude, include, renames;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            declare_target(k, &O::side);
            k.key("exclude", &O::exclude, "Top-level fields to drop (wins over include).");
            k.key("include", &O::include, "Top-level fields to keep; empty keeps all.");
            k.key("renames", &O::renames, "Renames as old:new pairs.");
            k.check("renames", [](const O& o) { return (void)parse_pairs(o.renames, "replace_field", "renames"), std::string(); });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    ReplaceField(const Config& c, TaskContext&) {
        const Options o = spec().parse(c);
        side_ = o.side;
        for (auto& f : o.exclude) exclude_.push_back({f, key_tag(f)});
        for (auto& f : o.include) include_.push_back({f, key_tag(f)});
        for (auto& [from, to] : parse_pairs(o.renames, "replace_field", "renames"))
            renames_.push_back({{from, key_tag(from)}, to});
    }
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, side_, "replace_field");
        if (doc == nullptr) return true;
        Node& root = doc->root();
        doc->expand(root);
        auto& members = root.members;
        std::size_t out = 0;
        for (std::size_t i = 0; i < members.size(); ++i) {
            const Member m = members[i];
            if (listed(exclude_, m)) continue;
            if (!include_.empty() && !listed(include_, m)) continue;
            members[out] = m;
            for (const auto& [from, to] : renames_) {
                if (m.is(from.tag, from.name)) {
                    doc->rename(members[out], to);
                    break;
                }
            }
            ++out;
        }
        members.resize(out);
        doc->mark_dirty();
        return true;
    }

private:
    // Field lists are short: a scan with the key fingerprint beats a tree or a hash.
    struct Name {
        std::string name;
        std::uint32_t tag;
    };
    static bool listed(const std::vector<Name>& names, const Member& m) {
        for (const Name& n : names)
            if (m.is(n.tag, n.name)) return true;
        return false;
    }
    Side side_;
    std::vector<Name> exclude_, include_;
    std::vector<std::pair<Name, std::string>> renames_;
};

// ---- mask_field -------------------------------------------------------------------------------

class MaskField : public Transform {
public:
    struct Options {
        Side side{};
        std::vector<std::string> fields;
        std::optional<std::string> replacement;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            declare_target(k, &O::side);
            k.key("fields", &O::fields, "Fields to mask (dotted paths reach nested fields).").required();
            k.key("replacement", &O::replacement, "Replacement for string and number fields; unset: the type's empty value.");
            k.rule("fields", "mask_field: 'fields' must name at least one field", [](const O& o) { return o.fields.empty(); });
            k.rule("replacement", "mask_field: 'replacement' must not be empty",
                   [](const O& o) { return o.replacement && o.replacement->empty(); });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    MaskField(const Config& c, TaskContext&) {
        const Options o = spec().parse(c);
        side_ = o.side;
        for (auto& f : o.fields) fields_.emplace_back(f);
        replacement_ = o.replacement;
    }
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, side_, "mask_field");
        if (doc == nullptr) return true;
        for (const FieldPath& f : fields_) {
            Lookup l = doc->lookup(f.path);
            if (l.status == Lookup::missing && l.parent != nullptr) {
                doc->set(*l.parent, f.path.back(), doc->make_null());  // Connect puts null
                continue;
            }
            if (l.status != Lookup::found) continue;
            doc->set(*l.parent, f.path.back(), masked(*doc, *l.node, f));
        }
        return true;
    }

private:
    Node* masked(Document& doc, const Node& value, const FieldPath& f) {
        if (value.kind == Kind::null) return doc.make_null();
        if (!replacement_) {
            switch (value.kind) {
            case Kind::string: return doc.make_raw(Kind::string, "\"\"");
            case Kind::number: return doc.make_raw(Kind::number, "0");
            case Kind::boolean: return doc.make_bool(false);
            case Kind::object: return doc.make_raw(Kind::object, "{}");
            case Kind::array: return doc.make_raw(Kind::array, "[]");
            default: return doc.make_null();
            }
        }
        if (value.kind == Kind::string) return doc.make_string(*replacement_);
        if (value.kind == Kind::number) {
            auto n = parse_double(*replacement_);
            if (!n || !std::isfinite(*n))
                data_error("mask_field", "field '" + f.text + "' is a number but replacement '" + *replacement_ + "' is not");
            return doc.make_number(*n);
        }
        data_error("mask_field", "field '" + f.text + "' is " + kind_name(value.kind) +
                                     ": a replacement applies only to strings and numbers");
    }
    Side side_;
    std::vector<FieldPath> fields_;
    std::optional<std::string> replacement_;
};

// ---- cast -----------------------------------------------------------------------------------

enum class CastType { int8, int16, int32, int64, float32, float64, boolean, string };

std::optional<CastType> cast_type(std::string_view s) {
    if (s == "int8") return CastType::int8;
    if (s == "int16") return CastType::int16;
    if (s == "int32") return CastType::int32;
    if (s == "int64") return CastType::int64;
    if (s == "float32") return CastType::float32;
    if (s == "float64") return CastType::float64;
    if (s == "boolean") return CastType::boolean;
    if (s == "string") return CastType::string;
    return std::nullopt;
}

// Java's narrowing: truncate toward zero, then keep the low bits (wraps like (byte) x).
std::int64_t narrow(std::int64_t v, CastType t) {
    switch (t) {
    case CastType::int8: return static_cast<std::int8_t>(static_cast<std::uint8_t>(v & 0xFF));
    case CastType::int16: return static_cast<std::int16_t>(static_cast<std::uint16_t>(v & 0xFFFF));
    case CastType::int32: return static_cast<std::int32_t>(static_cast<std::uint32_t>(v & 0xFFFFFFFF));
    default: return v;
    }
}

// Java's Double.toString keeps ".0" on integral values; JSON does not need it but readers of
// the output see that the value is now a float, as with Connect.
Node* make_float(Document& doc, double v, bool single) {
    if (single) v = static_cast<float>(v);
    char buf[40];
    auto r = single ? std::to_chars(buf, buf + 32, static_cast<float>(v)) : std::to_chars(buf, buf + 32, v);
    std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    if (text.find_first_of(".eE") == std::string_view::npos) {
        *r.ptr++ = '.';
        *r.ptr++ = '0';
        text = std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
    }
    return doc.make_raw(Kind::number, text);
}

class Cast : public Transform {
public:
    struct Options {
        Side side{};
        std::vector<std::string> spec;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            declare_target(k, &O::side);
            k.key("spec", &O::spec, "field:type pairs, or one type for the whole value; types: int8 int16 int32 int64 float32 float64 boolean string.").required();
            // The constructor's reading of the items is the check: what it throws is a problem of spec.
            k.check("spec", [](const O& o) { return (void)Cast(o), std::string(); });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    Cast(const Config& c, TaskContext&) : Cast(spec().parse(c)) {}
    explicit Cast(const Options& o) : side_(o.side) {
        const auto& items = o.spec;
        if (items.empty()) throw FatalError("cast: 'spec' is empty");
        for (const auto& item : items) {
            auto colon = item.rfind(':');
            std::string type_text = colon == std::string::npos ? item : item.substr(colon + 1);
            auto t = cast_type(type_text);
            if (!t) throw FatalError("cast: unknown type '" + type_text + "' in spec item '" + item +
                                     "' (expected int8, int16, int32, int64, float32, float64, boolean or string)");
            if (colon == std::string::npos) {
                if (items.size() != 1) throw FatalError("cast: a whole-value type ('" + item + "') must be the only spec item");
                whole_ = t;
            } else {
                casts_.emplace_back(FieldPath(item.substr(0, colon)), *t);
            }
        }
    }
    bool apply(TransformRecord& r) override {
        if (whole_) {
            Document* doc = record_document(r, side_, "cast");
            if (doc == nullptr) return true;
            doc->set_root(cast(*doc, doc->root(), *whole_, "the whole " + std::string(side_name(side_))));
            return true;
        }
        Document* doc = object_document(r, side_, "cast");
        if (doc == nullptr) return true;
        for (const auto& [f, type] : casts_) {
            Lookup l = doc->lookup(f.path);
            if (l.status == Lookup::missing && l.parent != nullptr) {
                doc->set(*l.parent, f.path.back(), doc->make_null());
                continue;
            }
            if (l.status != Lookup::found) continue;
            doc->set(*l.parent, f.path.back(), cast(*doc, *l.node, type, "field '" + f.text + "'"));
        }
        return true;
    }

private:
    [[noreturn]] static void bad(const std::string& what, const std::string& found, std::string_view to) {
        data_error("cast", what + " is " + found + ", which cannot be cast to " + std::string(to));
    }
    static Node* cast(Document& doc, const Node& v, CastType t, const std::string& what) {
        if (v.kind == Kind::null) return doc.make_null();
        static constexpr const char* names[] = {"int8", "int16", "int32", "int64", "float32", "float64", "boolean", "string"};
        const char* to = names[static_cast<int>(t)];
        switch (t) {
        case CastType::int8:
        case CastType::int16:
        case CastType::int32:
        case CastType::int64: {
            std::int64_t out = 0;
            if (v.kind == Kind::boolean) {
                out = v.text == "true" ? 1 : 0;
            } else if (v.kind == Kind::number) {
                if (auto i = integer_of(v)) out = *i;
                else {
                    double d = *number_of(v);
                    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) bad(what, std::string(v.text), to);
                    out = static_cast<std::int64_t>(d);  // truncation toward zero, as Java
                }
            } else if (v.kind == Kind::string) {
                std::string_view s = doc.string_value(v);
                std::int64_t parsed = 0;
                auto res = std::from_chars(s.data(), s.data() + s.size(), parsed);
                if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size())
                    bad(what, "the string \"" + std::string(s) + "\" (not an integer)", to);
                out = parsed;
                return doc.make_integer(narrow(out, t));
            } else {
                bad(what, kind_name(v.kind), to);
            }
            return doc.make_integer(narrow(out, t));
        }
        case CastType::float32:
        case CastType::float64: {
            double d = 0;
            if (v.kind == Kind::boolean) d = v.text == "true" ? 1 : 0;
            else if (v.kind == Kind::number) d = *number_of(v);
            else if (v.kind == Kind::string) {
                std::string_view s = doc.string_value(v);
                auto p = parse_double(trim(s));
                if (!p || !std::isfinite(*p)) bad(what, "the string \"" + std::string(s) + "\" (not a number)", to);
                d = *p;
            } else {
                bad(what, kind_name(v.kind), to);
            }
            return make_float(doc, d, t == CastType::float32);
        }
        case CastType::boolean: {
            if (v.kind == Kind::boolean) return doc.make_raw(Kind::boolean, v.text);
            if (v.kind == Kind::number) return doc.make_bool(*number_of(v) != 0);
            if (v.kind == Kind::string) {
                std::string_view s = doc.string_value(v);
                bool truthy = s.size() == 4 && (s[0] | 0x20) == 't' && (s[1] | 0x20) == 'r' && (s[2] | 0x20) == 'u' &&
                              (s[3] | 0x20) == 'e';  // Boolean.parseBoolean
                return doc.make_bool(truthy);
            }
            bad(what, kind_name(v.kind), to);
        }
        case CastType::string: {
            if (v.kind == Kind::string) return doc.make_raw(Kind::string, v.text);
            std::string text;
            doc.write(v, text);  // numbers as written, objects/arrays as JSON text
            return doc.make_string(text);
        }
        }
        bad(what, kind_name(v.kind), to);
    }
    Side side_;
    std::optional<CastType> whole_;
    std::vector<std::pair<FieldPath, CastType>> casts_;
};

// ---- value_to_key -----------------------------------------------------------------------------

class ValueToKey : public Transform {
public:
    struct Options {
        std::vector<std::string> fields;
    };
    static const config_kit::Spec<Options>& spec() {
        static const auto built = [] {
            config_kit::Spec<Options> k;
            k.key("fields", &Options::fields, "Value fields copied into a new JSON object key.").required();
            k.rule("fields", "value_to_key: 'fields' must name at least one field", [](const Options& o) { return o.fields.empty(); });
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    static void validate(const Config& c, ConfigProblems& problems) { spec().validate(c, problems); }
    ValueToKey(const Config& c, TaskContext&) {
        for (auto& f : spec().parse(c).fields) fields_.emplace_back(f);
    }
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, Side::value, "value_to_key");
        if (doc == nullptr) data_error("value_to_key", "the record value is null (a tombstone): no fields to copy into the key");
        key_.assign("{");
        for (const FieldPath& f : fields_) {
            if (key_.size() > 1) key_.push_back(',');
            json::append_quoted(key_, f.text);
            key_.push_back(':');
            Lookup l = doc->lookup(f.path);
            if (l.status == Lookup::found) doc->write(*l.node, key_);
            else key_ += "null";  // missing: null, as Connect
        }
        key_.push_back('}');
        r.set_key(key_);
        return true;
    }

private:
    std::vector<FieldPath> fields_;
    std::string key_;
};

// The options of a transform that works on one field of the key or the value.
struct SideField {
    Side side{};
    std::string field;
};
config_kit::Spec<SideField> side_field_spec(const char* field_doc) {
    config_kit::Spec<SideField> k;
    declare_target(k, &SideField::side);
    k.key("field", &SideField::field, field_doc).required();
    return k;
}

// ---- extract_field ----------------------------------------------------------------------------

class ExtractField : public Transform {
public:
    using Options = SideField;
    static const config_kit::Spec<Options>& spec() {
        static const auto built = side_field_spec("Field whose value replaces the whole value (dotted path).");
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    ExtractField(const Config& c, TaskContext&) : ExtractField(spec().parse(c)) {}
    explicit ExtractField(const Options& o) : side_(o.side), field_(o.field) {}
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, side_, "extract_field");
        if (doc == nullptr) return true;
        Lookup l = doc->lookup(field_.path);
        if (l.status != Lookup::found) {
            r.set_bytes(side_, std::nullopt);  // missing: null, as Connect
            return true;
        }
        doc->set_root(l.node);
        return true;
    }

private:
    Side side_;
    FieldPath field_;
};

// ---- flatten --------------------------------------------------------------------------------

class Flatten : public Transform {
public:
    struct Options {
        Side side{};
        std::string delimiter;
    };
    static const config_kit::Spec<Options>& spec() {
        static const auto built = [] {
            config_kit::Spec<Options> k;
            declare_target(k, &Options::side);
            k.key("delimiter", &Options::delimiter, "Joins the names of nested fields.").default_value(".");
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    Flatten(const Config& c, TaskContext&) : Flatten(spec().parse(c)) {}
    explicit Flatten(const Options& o) : side_(o.side), delimiter_(o.delimiter) {}
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, side_, "flatten");
        if (doc == nullptr) return true;
        Node* flat = doc->make_object();
        std::string prefix;
        add(*doc, doc->root(), prefix, *flat);
        doc->set_root(flat);
        return true;
    }

private:
    void add(Document& doc, Node& object, std::string& prefix, Node& out) {
        doc.expand(object);
        const std::size_t base = prefix.size();
        for (Member& m : object.members) {
            prefix.resize(base);
            if (base > 0) prefix += delimiter_;
            prefix += m.key;
            if (m.value->kind == Kind::object) add(doc, *m.value, prefix, out);  // arrays stay as they are
            else doc.set(out, prefix, m.value);
        }
        prefix.resize(base);
    }
    Side side_;
    std::string delimiter_;
};

// ---- hoist_field ------------------------------------------------------------------------------

class HoistField : public Transform {
public:
    using Options = SideField;
    static const config_kit::Spec<Options>& spec() {
        static const auto built = side_field_spec("Name of the field that will hold the whole value.");
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    HoistField(const Config& c, TaskContext&) : HoistField(spec().parse(c)) {}
    explicit HoistField(const Options& o) : side_(o.side), field_(o.field) {}
    bool apply(TransformRecord& r) override {
        Document* doc = record_document(r, side_, "hoist_field");
        if (doc == nullptr) {  // null: {"field": null}, as Connect's singletonMap(field, null)
            doc = attach_new_document(r, side_);
            Node* wrapper = doc->make_object();
            doc->set(*wrapper, field_, doc->make_null());
            doc->set_root(wrapper);
            return true;
        }
        Node* wrapper = doc->make_object();
        doc->set(*wrapper, field_, &doc->root());
        doc->set_root(wrapper);
        return true;
    }

private:
    Side side_;
    std::string field_;
};

}  // namespace

SLUICE_TRANSFORM(InsertField, "insert_field", "1.0.0", "Kafka Connect InsertField: adds topic, partition, offset, timestamp or a static field")
SLUICE_TRANSFORM(ReplaceField, "replace_field", "1.0.0", "Kafka Connect ReplaceField: include, exclude and rename top-level fields")
SLUICE_TRANSFORM(MaskField, "mask_field", "1.0.0", "Kafka Connect MaskField: replaces fields with an empty value or a replacement")
SLUICE_TRANSFORM(Cast, "cast", "1.0.0", "Kafka Connect Cast: casts fields or the whole value to another primitive type")
SLUICE_TRANSFORM(ValueToKey, "value_to_key", "1.0.0", "Kafka Connect ValueToKey: the key becomes an object of value fields")
SLUICE_TRANSFORM(ExtractField, "extract_field", "1.0.0", "Kafka Connect ExtractField: the value becomes one of its (nested) fields")
SLUICE_TRANSFORM(Flatten, "flatten", "1.0.0", "Kafka Connect Flatten: nested objects become delimiter-joined top-level fields")
SLUICE_TRANSFORM(HoistField, "hoist_field", "1.0.0", "Kafka Connect HoistField: wraps the value in an object under one field")

}  // namespace sluice::transforms
