// Turns the stored open-data CSV snapshots (shared fixtures) into the JSON record values an
// Opendatasoft source emits: one flat object per row, typed columns as numbers, the point as
// {"lon": x, "lat": y} (Explore API v2.1) and the shape as a GeoJSON Feature — or, on demand,
// left as the CSV text, the other layout seen in exports. Used by transform tests and the
// transform chain bench, so both run on the same real records.
#pragma once

#include <sluice/sdk.hpp>

#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::testing {

struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    const std::string& at(std::size_t row, std::string_view column) const {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == column) return rows[row][i];
        throw std::runtime_error("no column " + std::string(column));
    }
};

// RFC 4180 with a chosen delimiter; a UTF-8 BOM is skipped; CRLF or LF.
inline CsvTable read_csv(const std::string& path, char delimiter) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read fixture " + path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
    CsvTable table;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, any = false;
    auto end_row = [&] {
        row.push_back(std::move(field));
        field.clear();
        if (table.header.empty()) table.header = std::move(row);
        else table.rows.push_back(std::move(row));
        row.clear();
        any = false;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field.push_back(c);
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            any = true;
        } else if (c == delimiter) {
            row.push_back(std::move(field));
            field.clear();
            any = true;
        } else if (c == '\r') {
        } else if (c == '\n') {
            if (any || !field.empty() || !row.empty()) end_row();
        } else {
            field.push_back(c);
            any = true;
        }
    }
    if (any || !field.empty() || !row.empty()) end_row();
    return table;
}

enum class PointLayout { object, csv_text };
enum class ShapeLayout { feature, geometry, csv_text };

struct RecordLayout {
    std::set<std::string, std::less<>> numeric;  // columns emitted as JSON numbers when they are ones
    std::string point_column;                    // e.g. geo_point_2d, "Geo Point"
    std::string shape_column;                    // e.g. geo_shape, "Geo Shape"
    PointLayout point = PointLayout::object;
    ShapeLayout shape = ShapeLayout::feature;
};

inline bool looks_numeric(std::string_view s) {
    if (s.empty()) return false;
    std::size_t i = s[0] == '-' ? 1 : 0;
    if (i >= s.size()) return false;
    bool dot = false;
    for (; i < s.size(); ++i) {
        if (s[i] == '.' && !dot) dot = true;
        else if (s[i] < '0' || s[i] > '9') return false;
    }
    return s.back() != '.';
}

inline std::string row_to_json(const CsvTable& t, std::size_t r, const RecordLayout& layout) {
    std::string out = "{";
    for (std::size_t i = 0; i < t.header.size(); ++i) {
        const std::string& name = t.header[i];
        const std::string& v = t.rows[r][i];
        if (out.size() > 1) out.push_back(',');
        json::append_quoted(out, name);
        out.push_back(':');
        if (name == layout.point_column && layout.point == PointLayout::object && !v.empty()) {
            auto comma = v.find(',');
            std::string lat = v.substr(0, comma), lon = v.substr(comma + 1);
            while (!lon.empty() && lon.front() == ' ') lon.erase(0, 1);
            out += "{\"lon\":" + lon + ",\"lat\":" + lat + "}";
        } else if (name == layout.shape_column && layout.shape != ShapeLayout::csv_text && !v.empty()) {
            if (layout.shape == ShapeLayout::feature) out += "{\"type\":\"Feature\",\"geometry\":" + v + ",\"properties\":{}}";
            else out += v;
        } else if (v.empty()) {
            out += "null";  // Opendatasoft leaves empty cells out or null; null here
        } else if (layout.numeric.count(name) != 0 && looks_numeric(v)) {
            out += v;
        } else {
            json::append_quoted(out, v);
        }
    }
    out.push_back('}');
    return out;
}

inline std::vector<std::string> table_to_json(const CsvTable& t, const RecordLayout& layout) {
    std::vector<std::string> out;
    out.reserve(t.rows.size());
    for (std::size_t r = 0; r < t.rows.size(); ++r) out.push_back(row_to_json(t, r, layout));
    return out;
}

// The layouts of the stored snapshots.
inline RecordLayout bordeaux_ci_trafi_l_layout() {
    return {{"gid"}, "geo_point_2d", "geo_shape", PointLayout::object, ShapeLayout::feature};
}
inline RecordLayout rennes_layout() {
    return {{"averageVehicleSpeed", "travelTime", "travelTimeReliability", "vehicleProbeMeasurement", "func_class", "id",
             "vitesse_maxi", "id_rva_troncon_fcd_v1_1"},
            "geo_point_2d",
            "Geo Shape",
            PointLayout::csv_text,
            ShapeLayout::csv_text};
}

}  // namespace sluice::testing
