// Kafka Connect's Filter, RegexRouter, InsertHeader, HeaderFrom and DropHeaders. None of them
// parses the value except header_from.
#include "transform_support.hpp"

#include <regex>
#include <set>
#include <unordered_map>

namespace sluice::transforms {

namespace {

std::regex compile_regex(const std::string& pattern, std::string_view transform) {
    try {
        return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        throw FatalError(std::string(transform) + ": invalid regex '" + pattern + "': " + e.what());
    }
}

// Drops every record it is applied to; give it a `predicate` (applied by the worker) to drop
// only some, exactly as Connect's Filter.
class Filter : public Transform {
public:
    Filter(const Config&, TaskContext&) {}
    bool apply(TransformRecord&) override { return false; }
};

class RegexRouter : public Transform {
public:
    static std::vector<ConfigKey> config_keys() {
        return {ConfigKey::string("regex", "Regular expression matched against the whole topic name.").required(),
                ConfigKey::string("replacement", "New topic; $1, $2 ... insert capture groups.").required()};
    }
    RegexRouter(const Config& c, TaskContext&)
        : regex_(compile_regex(c.string("regex"), "regex_router")), replacement_(c.string("replacement")) {}
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
    static std::vector<ConfigKey> config_keys() {
        return {ConfigKey::string("header", "Header name.").required(),
                ConfigKey::string("value.literal", "Header value (its UTF-8 bytes).").required()};
    }
    InsertHeader(const Config& c, TaskContext&) : header_(c.string("header")), value_(c.string("value.literal")) {}
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
    static std::vector<ConfigKey> config_keys() {
        return {ConfigKey::list("headers", "Header names to remove (every header with that name).").required()};
    }
    DropHeaders(const Config& c, TaskContext&) {
        for (auto& h : c.list("headers")) names_.insert(h);
        if (names_.empty()) throw FatalError("drop_headers: 'headers' must name at least one header");
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
    static std::vector<ConfigKey> config_keys() {
        return {target_key(),
                ConfigKey::list("fields", "Fields to copy or move into headers (dotted paths).").required(),
                ConfigKey::list("headers", "Header names, one per field, in the same order.").required(),
                ConfigKey::string("operation", "move (remove the field) or copy.").required().one_of({"move", "copy"})};
    }
    HeaderFrom(const Config& c, TaskContext&) : side_(target_side(c)), move_(c.string("operation") == "move") {
        for (auto& f : c.list("fields")) fields_.emplace_back(f);
        headers_ = c.list("headers");
        if (fields_.empty() || fields_.size() != headers_.size())
            throw FatalError("header_from: 'fields' and 'headers' must be non-empty lists of the same length (" +
                             std::to_string(fields_.size()) + " fields, " + std::to_string(headers_.size()) + " headers)");
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
