// Transforms for traffic open data: geo_point turns the many spellings of a position in
// Opendatasoft exports (and GeoJSON geometries) into plain lat/lon numbers; traffic_status maps
// the status vocabularies of Bordeaux, Rennes and Paris onto one scale.
#include "transform_support.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace sluice::transforms {

namespace {

// ---- geo_point ---------------------------------------------------------------------------

struct Position {
    // Text as written when taken from a single number (kept byte for byte), else computed.
    std::string_view lat_text, lon_text;
    double lat = 0, lon = 0;
};

class GeoPoint : public Transform {
public:
    struct Options {
        std::string field, lat_field, lon_field;
        std::vector<std::string> geometry_fields;
        bool centroid = false, remove = false;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            k.key("field", &O::field, "Point field: {lon, lat} object, [lat, lon] array or \"lat, lon\" string.").default_value("geo_point_2d");
            k.key("geometry.fields", &O::geometry_fields, "GeoJSON fields tried in order when the point field is missing or null (geometry object, Feature, or a string holding either).")
                .default_value("geo_shape,geometry");
            k.choice("line.point", &O::centroid, {{"first", false}, {"centroid", true}},
                     "Point of a LineString/Polygon: first vertex or centroid (mean of the vertices).")
                .default_value(true);
            k.key("lat.field", &O::lat_field, "Output field for the latitude.").default_value("lat");
            k.key("lon.field", &O::lon_field, "Output field for the longitude.").default_value("lon");
            k.key("remove.source", &O::remove, "Remove the field the position was read from.").default_value(false);
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    GeoPoint(const Config& c, TaskContext&) : GeoPoint(spec().parse(c)) {}
    explicit GeoPoint(const Options& o)
        : field_(o.field), centroid_(o.centroid), lat_field_(o.lat_field), lon_field_(o.lon_field), remove_(o.remove) {
        for (auto& f : o.geometry_fields) geometry_fields_.emplace_back(f);
    }
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, Side::value, "geo_point");
        if (doc == nullptr) return true;  // tombstone: unchanged
        Position pos;
        const FieldPath* used = nullptr;
        Lookup l = doc->lookup(field_.path);
        if (l.status == Lookup::found && l.node->kind != Kind::null) {
            pos = point(*doc, *l.node, field_.text);
            used = &field_;
        } else {
            for (const FieldPath& g : geometry_fields_) {
                Lookup gl = doc->lookup(g.path);
                if (gl.status != Lookup::found || gl.node->kind == Kind::null) continue;
                pos = geometry(*doc, *gl.node, g.text, 0);
                used = &g;
                break;
            }
        }
        if (used == nullptr) {
            std::string tried = "'" + field_.text + "'";
            for (auto& g : geometry_fields_) tried += ", '" + g.text + "'";
            data_error("geo_point", "no position in the record: " + tried + " missing or null");
        }
        if (!(pos.lat >= -90 && pos.lat <= 90) || !(pos.lon >= -180 && pos.lon <= 180))
            data_error("geo_point", "field '" + used->text + "' gives lat " + std::to_string(pos.lat) + ", lon " +
                                        std::to_string(pos.lon) + ": expected lat in [-90, 90] and lon in [-180, 180]");
        if (remove_) {
            Lookup again = doc->lookup(used->path);
            if (again.status == Lookup::found && again.parent != nullptr) doc->remove(*again.parent, used->path.back());
        }
        Node& root = doc->root();
        doc->set(root, lat_field_, pos.lat_text.empty() ? doc->make_number(pos.lat) : doc->make_raw(Kind::number, pos.lat_text));
        doc->set(root, lon_field_, pos.lon_text.empty() ? doc->make_number(pos.lon) : doc->make_raw(Kind::number, pos.lon_text));
        return true;
    }

private:
    [[noreturn]] static void bad_shape(const std::string& field, const std::string& found) {
        data_error("geo_point", "field '" + field + "' is " + found +
                                    ", expected {\"lon\": x, \"lat\": y}, [lat, lon], \"lat, lon\" or a GeoJSON geometry");
    }
    static double number_or_fail(const Node* n, const std::string& field, const char* what) {
        if (n == nullptr || n->kind != Kind::number)
            data_error("geo_point", "field '" + field + "': " + what + " is " + (n ? kind_name(n->kind) : "missing") + ", expected a number");
        return *number_of(*n);
    }
    Position point(Document& doc, Node& n, const std::string& field) {
        Position p;
        if (n.kind == Kind::object) {
            Node* lat = doc.find(n, "lat");
            Node* lon = doc.find(n, "lon");
            if (lat == nullptr && lon == nullptr && doc.find(n, "type") != nullptr) return geometry(doc, n, field, 0);
            p.lat = number_or_fail(lat, field, "lat");
            p.lon = number_or_fail(lon, field, "lon");
            p.lat_text = lat->text;
            p.lon_text = lon->text;
            return p;
        }
        if (n.kind == Kind::array) {  // Opendatasoft v1: [lat, lon]
            doc.expand(n);
            if (n.members.size() != 2) bad_shape(field, "an array of " + std::to_string(n.members.size()) + " items");
            p.lat = number_or_fail(n.members[0].value, field, "item 0 (lat)");
            p.lon = number_or_fail(n.members[1].value, field, "item 1 (lon)");
            p.lat_text = n.members[0].value->text;
            p.lon_text = n.members[1].value->text;
            return p;
        }
        if (n.kind == Kind::string) {  // CSV exports: "44.80923708994761,-0.5321850545605549" or "48.04, -1.65"
            std::string_view s = doc.string_value(n);
            auto comma = s.find(',');
            if (comma == std::string_view::npos) bad_shape(field, "the string \"" + std::string(s) + "\"");
            std::string_view a = trim(s.substr(0, comma)), b = trim(s.substr(comma + 1));
            auto lat = parse_double(a), lon = parse_double(b);
            if (!lat || !lon || !std::isfinite(*lat) || !std::isfinite(*lon)) bad_shape(field, "the string \"" + std::string(s) + "\"");
            p.lat = *lat;
            p.lon = *lon;
            if (is_json_number(a)) p.lat_text = doc.keep(a);
            if (is_json_number(b)) p.lon_text = doc.keep(b);
            return p;
        }
        bad_shape(field, kind_name(n.kind));
    }
    static bool is_json_number(std::string_view s) {
        std::size_t i = 0;
        if (i < s.size() && s[i] == '-') ++i;
        if (i >= s.size() || s[i] < '0' || s[i] > '9' || (s[i] == '0' && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9')) return false;
        bool dot = false;
        for (++i; i < s.size(); ++i) {
            if (s[i] == '.' && !dot && i + 1 < s.size()) dot = true;
            else if (s[i] < '0' || s[i] > '9') return false;
        }
        return true;
    }
    // GeoJSON geometry or Feature (or a string holding one, as in CSV exports).
    Position geometry(Document& doc, Node& n, const std::string& field, int depth) {
        if (depth > 2) bad_shape(field, "a nested string");
        if (n.kind == Kind::string) {
            std::string error;
            std::string_view text = doc.string_value(n);
            if (!inner_.parse(text, error)) data_error("geo_point", "field '" + field + "' holds text that is not GeoJSON: " + error);
            Position p = geometry(inner_, inner_.root(), field, depth + 1);
            if (!p.lat_text.empty()) p.lat_text = doc.keep(p.lat_text);  // inner_ is reused: copy the spans
            if (!p.lon_text.empty()) p.lon_text = doc.keep(p.lon_text);
            return p;
        }
        if (n.kind != Kind::object) bad_shape(field, kind_name(n.kind));
        Node* type = doc.find(n, "type");
        if (type == nullptr || type->kind != Kind::string) bad_shape(field, "an object without a GeoJSON \"type\"");
        std::string_view t = doc.string_value(*type);
        if (t == "Feature") {
            Node* g = doc.find(n, "geometry");
            if (g == nullptr || g->kind == Kind::null) data_error("geo_point", "field '" + field + "' is a Feature without geometry");
            return geometry(doc, *g, field, depth);
        }
        Node* coords = doc.find(n, "coordinates");
        if (coords == nullptr || coords->kind != Kind::array)
            data_error("geo_point", "field '" + field + "' is a " + std::string(t) + " without a coordinates array");
        positions_.clear();
        collect(doc, *coords, field, 0);
        if (positions_.empty()) data_error("geo_point", "field '" + field + "' is a " + std::string(t) + " with no coordinates");
        if (!centroid_ || positions_.size() == 1) return positions_.front();
        Position mean;
        for (const auto& q : positions_) {
            mean.lat += q.lat;
            mean.lon += q.lon;
        }
        mean.lat /= static_cast<double>(positions_.size());
        mean.lon /= static_cast<double>(positions_.size());
        return mean;
    }
    // GeoJSON positions are [lon, lat(, alt)]; nested arrays for lines and polygons.
    void collect(Document& doc, Node& arr, const std::string& field, int depth) {
        doc.expand(arr);
        if (depth > 4) data_error("geo_point", "field '" + field + "': coordinates nested too deep");
        if (!arr.members.empty() && arr.members[0].value->kind == Kind::number) {
            if (arr.members.size() < 2) data_error("geo_point", "field '" + field + "': a position has fewer than 2 numbers");
            Position p;
            p.lon = number_or_fail(arr.members[0].value, field, "longitude");
            p.lat = number_or_fail(arr.members[1].value, field, "latitude");
            p.lon_text = arr.members[0].value->text;
            p.lat_text = arr.members[1].value->text;
            positions_.push_back(p);
            return;
        }
        for (Member& m : arr.members) {
            if (m.value->kind != Kind::array) data_error("geo_point", "field '" + field + "': coordinates hold " + kind_name(m.value->kind));
            collect(doc, *m.value, field, depth + 1);
        }
    }

    FieldPath field_;
    std::vector<FieldPath> geometry_fields_;
    bool centroid_;
    std::string lat_field_, lon_field_;
    bool remove_;
    Document inner_;
    std::vector<Position> positions_;
};

// ---- traffic_status ----------------------------------------------------------------------------

struct StatusName {
    std::string_view spelling;  // lower case
    std::string_view status;
    int level;                  // -1: unknown (null level)
};

// Bordeaux ci_trafi_l `etat`, Rennes `trafficStatus`, Paris `etat_trafic`.
constexpr std::array<StatusName, 21> status_names{{
    {"fluide", "free", 0},          {"freeflow", "free", 0},
    {"dense", "dense", 1},          {"heavy", "dense", 1},
    {"pré-saturé", "dense", 1},     {"pre-sature", "dense", 1},
    {"embouteille", "congested", 2}, {"embouteillé", "congested", 2},
    {"congested", "congested", 2},  {"saturé", "congested", 2},
    {"sature", "congested", 2},     {"paralyse", "blocked", 3},
    {"paralysé", "blocked", 3},     {"impossible", "blocked", 3},
    {"bloqué", "blocked", 3},       {"bloque", "blocked", 3},
    {"inconnu", "unknown", -1},     {"unknown", "unknown", -1},
    {"indisponible", "unknown", -1}, {"invalide", "unknown", -1},
    {"nodata", "unknown", -1},
}};

bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

// Upper-case accented letters of the Paris vocabulary (É) folded to lower case.
std::string fold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (static_cast<unsigned char>(c) == 0xC3 && i + 1 < s.size()) {
            auto next = static_cast<unsigned char>(s[i + 1]);
            if (next >= 0x80 && next <= 0x9E && next != 0x97) next = static_cast<unsigned char>(next + 0x20);  // À-Þ
            out.push_back(c);
            out.push_back(static_cast<char>(next));
            ++i;
            continue;
        }
        out.push_back(c);
    }
    return out;
}

class TrafficStatus : public Transform {
public:
    struct Options {
        std::optional<std::string> field;
        std::string status_field, level_field;
        bool strict = false;
    };
    static const config_kit::Spec<Options>& spec() {
        using O = Options;
        static const auto built = [] {
            config_kit::Spec<O> k;
            k.key("field", &O::field, "Status field (dotted path); unset: the first of etat, trafficStatus, etat_trafic (any case), at the top level or under \"fields\".");
            k.key("status.field", &O::status_field, "Output field for the common status.").default_value("traffic_status");
            k.key("level.field", &O::level_field, "Output field for the congestion level 0-3 (null when unknown).").default_value("congestion_level");
            k.choice("on.unknown.value", &O::strict, {{"error", true}, {"unknown", false}},
                     "A status outside the known vocabularies: error, or unknown.")
                .default_value(true);
            return k;
        }();
        return built;
    }
    static std::vector<ConfigKey> config_keys() { return spec().keys(); }
    TrafficStatus(const Config& c, TaskContext&) : TrafficStatus(spec().parse(c)) {}
    explicit TrafficStatus(const Options& o) : status_field_(o.status_field), level_field_(o.level_field), strict_(o.strict) {
        if (o.field) field_ = FieldPath(*o.field);
    }
    bool apply(TransformRecord& r) override {
        Document* doc = object_document(r, Side::value, "traffic_status");
        if (doc == nullptr) return true;  // tombstone: unchanged
        Node* value = nullptr;
        std::string_view name;
        if (field_) {
            Lookup l = doc->lookup(field_->path);
            if (l.status != Lookup::found) data_error("traffic_status", "field '" + field_->text + "' is missing");
            value = l.node;
            name = field_->text;
        } else {
            value = auto_find(*doc, doc->root(), name);
            if (value == nullptr) {
                Node* fields = doc->find(doc->root(), "fields");  // Opendatasoft v1 record
                if (fields != nullptr && fields->kind == Kind::object) value = auto_find(*doc, *fields, name);
            }
            if (value == nullptr)
                data_error("traffic_status", "no status field: expected one of etat, trafficStatus, etat_trafic (any case)");
        }
        std::string_view status = "unknown";
        int level = -1;
        if (value->kind == Kind::string) {
            std::string_view text = doc->string_value(*value);
            const StatusName* hit = lookup(text);
            if (hit != nullptr) {
                status = hit->status;
                level = hit->level;
            } else if (strict_) {
                data_error("traffic_status", "field '" + std::string(name) + "' is \"" + std::string(text) +
                                                 "\", expected a known status (FLUIDE, DENSE, EMBOUTEILLE, PARALYSE, INCONNU; "
                                                 "freeFlow, heavy, congested, impossible, unknown; Fluide, Pré-saturé, "
                                                 "Saturé, Bloqué, Inconnu)");
            }
        } else if (value->kind != Kind::null) {
            data_error("traffic_status", "field '" + std::string(name) + "' is " + kind_name(value->kind) + ", expected a string");
        }
        Node& root = doc->root();
        doc->set(root, status_field_, doc->make_raw(Kind::string, status_json(status)));
        doc->set(root, level_field_, level < 0 ? doc->make_null() : doc->make_integer(level));
        return true;
    }

private:
    static std::string_view status_json(std::string_view status) {
        if (status == "free") return "\"free\"";
        if (status == "dense") return "\"dense\"";
        if (status == "congested") return "\"congested\"";
        if (status == "blocked") return "\"blocked\"";
        return "\"unknown\"";
    }
    static const StatusName* lookup(std::string_view text) {
        for (const auto& s : status_names)
            if (iequals_ascii(text, s.spelling)) return &s;
        std::string folded = fold(text);
        for (const auto& s : status_names)
            if (folded == s.spelling) return &s;
        return nullptr;
    }
    static Node* auto_find(Document& doc, Node& object, std::string_view& name) {
        doc.expand(object);
        for (std::string_view candidate : {"etat", "trafficstatus", "etat_trafic"}) {
            for (auto it = object.members.rbegin(); it != object.members.rend(); ++it) {
                if (iequals_ascii(it->key, candidate)) {
                    name = it->key;
                    return it->value;
                }
            }
        }
        return nullptr;
    }
    std::optional<FieldPath> field_;
    std::string status_field_, level_field_;
    bool strict_;
};

}  // namespace

SLUICE_TRANSFORM(GeoPoint, "geo_point", "1.0.0", "Opendatasoft geo_point_2d (object, array or string) or GeoJSON geometry to lat/lon fields")
SLUICE_TRANSFORM(TrafficStatus, "traffic_status", "1.0.0", "Bordeaux, Rennes and Paris traffic states to one status and congestion level")

}  // namespace sluice::transforms
