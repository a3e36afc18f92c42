#include "json_rows.hpp"
#include <sluice/sdk/text.hpp>

#include <sluice/sdk.hpp>

#include <charconv>

namespace sluice::clickhouse {

using text::is_space;

namespace {
}  // namespace

bool is_single_object(std::string_view value) {
    std::size_t i = 0, end = value.size();
    while (i < end && is_space(value[i])) ++i;
    while (end > i && is_space(value[end - 1])) --end;
    if (i >= end || value[i] != '{' || value[end - 1] != '}') return false;
    int depth = 0;
    bool in_string = false;
    for (; i < end; ++i) {
        const char c = value[i];
        if (in_string) {
            if (c == '\\') ++i;  // the escaped byte cannot end the string
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') {
            if (--depth < 0) return false;
            if (depth == 0) return i == end - 1;  // the first object must end at the very end
        }
    }
    return false;  // unterminated string or nesting
}

std::string coordinates_prefix(std::string_view topic, std::int32_t partition) {
    std::string out = "\"_topic\":";
    json::append_quoted(out, topic);
    out += ",\"_partition\":";
    out += std::to_string(partition);
    out += ",\"_offset\":";
    return out;
}

void append_row(std::string& body, std::string_view object, std::string_view prefix, std::int64_t offset) {
    std::size_t open = object.find('{');  // is_single_object: present, after whitespace only
    if (prefix.empty()) {
        body.append(object.substr(open));
    } else {
        body.push_back('{');
        body.append(prefix);
        char digits[24];
        auto res = std::to_chars(digits, digits + sizeof digits, offset);
        body.append(digits, res.ptr);
        std::string_view rest = object.substr(open + 1);
        std::size_t first = 0;
        while (first < rest.size() && is_space(rest[first])) ++first;
        if (first < rest.size() && rest[first] != '}') body.push_back(',');  // {} has no members to separate
        body.append(rest);
    }
    body.push_back('\n');
}

}  // namespace sluice::clickhouse
