#include "transform_support.hpp"

#include <charconv>

namespace sluice::transforms {

void data_error(std::string_view transform, std::string_view message) {
    throw DataError(std::string(transform) + ": " + std::string(message));
}

Document* object_document(TransformRecord& record, Side side, std::string_view transform) {
    Document* doc = record_document(record, side, transform);
    if (doc == nullptr) return nullptr;
    if (doc->root().kind != Kind::object)
        data_error(transform, "expected the record " + std::string(side_name(side)) + " to be a JSON object, found " +
                                  kind_name(doc->root().kind));
    return doc;
}

std::optional<double> parse_double(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    double v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
    return v;
}

std::optional<double> number_of(const Node& node) {
    if (node.kind != Kind::number) return std::nullopt;
    return parse_double(node.text);
}

std::optional<std::int64_t> integer_of(const Node& node) {
    if (node.kind != Kind::number) return std::nullopt;
    std::int64_t v = 0;
    auto r = std::from_chars(node.text.data(), node.text.data() + node.text.size(), v);
    if (r.ec != std::errc() || r.ptr != node.text.data() + node.text.size()) return std::nullopt;
    return v;
}

std::string scalar_text(Document& doc, const Node& node) {
    if (node.kind == Kind::string) return std::string(doc.string_value(node));
    std::string out;
    doc.write(node, out);
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_pairs(const std::vector<std::string>& items,
                                                             std::string_view transform, std::string_view key) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& item : items) {
        auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
            throw FatalError(std::string(transform) + ": '" + std::string(key) + "' item '" + item +
                             "' is not of the form old:new");
        out.emplace_back(item.substr(0, colon), item.substr(colon + 1));
    }
    return out;
}

std::regex compile_regex(const std::string& pattern, std::string_view who) {
    try {
        return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        throw FatalError(std::string(who) + ": invalid regex '" + pattern + "': " + e.what());
    }
}

}  // namespace sluice::transforms
