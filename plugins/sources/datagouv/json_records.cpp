#include "json_records.hpp"

#include "row_json.hpp"

#include <nlohmann/json.hpp>
#include <sluice/sdk.hpp>

namespace sluice::datagouv {

JsonArrayReader::JsonArrayReader(ByteStream& in, std::size_t max_element_bytes)
    : in_(in), max_element_bytes_(max_element_bytes) {
    in_.rewind();
    skip_utf8_bom(in_);
    skip_space();
    if (in_.get() != '[') {
        problem_ = "the file is not a JSON array of records (expected '[' at its start)";
        done_ = true;
        return;
    }
    skip_space();
    if (in_.peek() == ']') {
        in_.get();
        done_ = true;
    }
}

void JsonArrayReader::skip_space() {
    for (int c = in_.peek(); c == ' ' || c == '\t' || c == '\r' || c == '\n'; c = in_.peek()) in_.get();
}

bool JsonArrayReader::next(JsonElement& element) {
    element.text.clear();
    element.problem.clear();
    if (done_) return false;
    ++index_;
    skip_space();
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    std::size_t bytes = 0;
    while (true) {
        int c = in_.peek();
        if (c == ByteStream::end) {
            element.problem = "the file ends inside element " + std::to_string(index_) + " (truncated JSON)";
            problem_ = element.problem;
            problem_in_element_ = true;
            done_ = true;
            return true;
        }
        if (!in_string && depth == 0 && (c == ',' || c == ']')) break;
        in_.get();
        if (++bytes <= max_element_bytes_) {
            element.text.push_back(static_cast<char>(c));
        } else if (element.problem.empty()) {
            element.problem = "element longer than " + std::to_string(max_element_bytes_) + " bytes (max_record_bytes)";
        }
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') --depth;
        if (depth < 0) {
            element.problem = "unbalanced brackets in element " + std::to_string(index_);
            problem_ = element.problem;
            problem_in_element_ = true;
            done_ = true;
            return true;
        }
    }
    while (!element.text.empty() && (element.text.back() == ' ' || element.text.back() == '\n' ||
                                     element.text.back() == '\r' || element.text.back() == '\t'))
        element.text.pop_back();
    if (element.text.empty() && element.problem.empty()) element.problem = "empty element " + std::to_string(index_);
    if (in_.get() == ']') {
        done_ = true;
        skip_space();
        if (in_.peek() != ByteStream::end) problem_ = "unexpected data after the closing ']' of the array";
    }
    return true;
}

std::size_t count_json_elements(ByteStream& in, std::size_t max_element_bytes) {
    JsonArrayReader reader(in, max_element_bytes);
    JsonElement element;
    std::size_t n = 0;
    while (reader.next(element)) ++n;
    return n;
}

std::optional<std::string> json_record_value(const std::string& element, std::string& error) {
    nlohmann::ordered_json parsed;
    try {
        parsed = nlohmann::ordered_json::parse(utf8::is_valid(element) ? element : utf8::repair(element));
    } catch (const nlohmann::ordered_json::exception& e) {
        error = std::string("not valid JSON: ") + e.what();
        return std::nullopt;
    }
    if (parsed.is_object()) {
        auto fields = parsed.find("fields");
        if (fields != parsed.end() && fields->is_object()) {
            nlohmann::ordered_json flat = *fields;
            for (auto it = parsed.begin(); it != parsed.end(); ++it)
                if (it.key() != "fields" && !flat.contains(it.key())) flat[it.key()] = it.value();
            parsed = std::move(flat);
        }
    }
    return parsed.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string json_record_key(const std::string& value, const std::vector<std::string>& key_fields) {
    nlohmann::ordered_json record = nlohmann::ordered_json::parse(value, nullptr, false);
    nlohmann::ordered_json key = nlohmann::ordered_json::object();
    for (const auto& k : key_fields) {
        key[k] = nullptr;
        if (!record.is_object()) continue;
        if (auto exact = record.find(k); exact != record.end()) {
            key[k] = *exact;
            continue;
        }
        for (auto it = record.begin(); it != record.end(); ++it)
            if (same_name_ignoring_case(it.key(), k)) {
                key[k] = it.value();
                break;
            }
    }
    return key.dump();
}

}  // namespace sluice::datagouv
