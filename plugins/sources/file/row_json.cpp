#include "row_json.hpp"

#include <sluice/sdk.hpp>

namespace sluice::file_source {

void append_json_string(std::string& out, std::string_view text) { json::append_quoted(out, text); }

void row_as_object(std::string& out, std::span<const std::string> names, std::span<const std::string> values) {
    out.clear();
    out.push_back('{');
    for (std::size_t i = 0; i < values.size() && i < names.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_json_string(out, names[i]);
        out.push_back(':');
        append_json_string(out, values[i]);
    }
    out.push_back('}');
}

void row_as_array(std::string& out, std::span<const std::string> values) {
    out.clear();
    out.push_back('[');
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_json_string(out, values[i]);
    }
    out.push_back(']');
}

}  // namespace sluice::file_source
