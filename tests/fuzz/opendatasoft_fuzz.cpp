// The opendatasoft source's answer parsers: a records page (Explore v2.1 {total_count,
// results} or the v1 search {nhits, records[].fields}), each record mapped (key fields,
// geo_point_2d / geo_shape normalised, timestamp read in the configured zone), the dataset
// description (its fields, resolved against the configured names, then the next request's
// URL), and the source offset {"ts","keys"} read back from Kafka. The first fuzz byte
// picks the settings; the rest is the answer body.
// Invariants: only the documented ResponseError / MappingError / std::runtime_error escape;
// a mapped record's key, key id and value are JSON in UTF-8; a request URL holds no byte a
// URL cannot carry; timestamps and cursors written out read back the same.
#include "fuzz_support.hpp"

#include "api_query.hpp"
#include "cursor.hpp"
#include "record_mapper.hpp"
#include "time_zone.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

using namespace sluice;
using namespace sluice::ods;

namespace {

bool json_in_utf8(const std::string& text) { return fuzz::valid_utf8(text) && nlohmann::json::accept(text); }

bool url_safe(const std::string& url) {
    for (unsigned char c : url)
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' ||
            c == '|' || c == '}')
            return false;
    return true;
}

Settings settings_for(uint8_t mode) {
    Settings s;
    s.base_url = "http://portal.example";
    s.dataset = (mode & 0x20) ? "etat-du-trafic-en-temps-reel" : "ci_trafi_l";
    s.api = (mode & 1) ? Api::v1 : Api::v2_1;
    s.timestamp_field = (mode & 2) ? "datetime" : "mdate";
    s.key_fields = (mode & 4) ? std::vector<std::string>{"predefinedLocationReference", "id"} : std::vector<std::string>{"gid"};
    s.emit = (mode & 8) ? Emit::changes : Emit::all;
    if (mode & 0x40) s.change_fields = {"etat", "vitesse"};
    if (mode & 0x80) s.where = "etat != \"INCONNU\"";
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    static const TimeZone utc = TimeZone::utc();
    static const TimeZone paris = TimeZone::load("Europe/Paris");
    const Settings s = settings_for(data[0]);
    const TimeZone& zone = (data[0] & 0x10) ? paris : utc;
    const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

    try {
        Page page = parse_page(body, s.api, "fuzz");
        RecordMapper mapper(s, zone);
        for (auto& record : page.records) {
            try {
                MappedRecord m = mapper.map(record);
                FUZZ_CHECK(json_in_utf8(m.key) && json_in_utf8(m.key_id) && json_in_utf8(m.value),
                           "mapped record not JSON in UTF-8: " + fuzz::excerpt(m.key) + " " + fuzz::excerpt(m.value));
            } catch (const MappingError& e) {
                FUZZ_CHECK(!e.field().empty() || std::string(e.what()).size() > 0, "mapping error naming nothing");
            }
        }
    } catch (const ResponseError&) {
    }

    try {
        auto schema = parse_catalog_fields(body, "fuzz");
        ResolvedFields fields = resolve_fields(s, schema);
        Anchor anchor;
        anchor.from_ts_ms = 1613482380000;
        anchor.after_ts_ms = 1613482380000;
        anchor.after_keys = Json::array();
        for (size_t i = 0; i < fields.keys.size(); ++i) anchor.after_keys.push_back(i == 0 ? Json("Z10\"BE") : Json(1413));
        const std::string url = records_url(s, fields, anchor, 100);
        FUZZ_CHECK(url_safe(url), "request URL with unsafe bytes: " + fuzz::excerpt(url));
    } catch (const std::runtime_error&) {  // ResponseError, or a configured field the dataset lacks
    }
    (void)error_summary(body);

    std::optional<Cursor> cursor;
    try {
        cursor = Cursor::from_offset(body);
    } catch (const std::runtime_error&) {  // not an offset of this source: refused with the reason
    }
    if (cursor) {
        // What this source writes must always read back, the same.
        const std::string written = cursor->to_offset();
        std::optional<Cursor> again;
        try {
            again = Cursor::from_offset(written);
        } catch (const std::runtime_error& e) {
            FUZZ_FAIL(std::string("a written cursor is refused: ") + e.what());
        }
        FUZZ_CHECK(again->ts_ms() == cursor->ts_ms() && again->keys_at_ts() == cursor->keys_at_ts() && again->to_offset() == written,
                   "cursor does not survive write(read()): " + fuzz::excerpt(written));
    }

    const std::string_view stamp = std::string_view(body).substr(0, 48);
    if (auto ms = parse_timestamp(stamp, zone)) {
        const std::string text = format_utc(*ms);
        FUZZ_CHECK(parse_timestamp(text, utc) == ms, "timestamp " + fuzz::excerpt(stamp) + " written as " + text + " reads back differently");
    }
    return 0;
}
