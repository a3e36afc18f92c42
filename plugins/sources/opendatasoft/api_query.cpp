#include "api_query.hpp"

#include "time_zone.hpp"

#include <sluice/http_client.hpp>

#include <cctype>

namespace sluice::ods {
namespace {

using http::url_encode;

bool same_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

std::string date_literal(const Settings& s, std::int64_t ts_ms) {
    // v2.1 ODSQL date literal; v1's query language takes a quoted ISO date.
    // (Appended piecewise: GCC 12 at -O3 warns, wrongly, about "literal" + std::string&&.)
    const bool v21 = s.api == Api::v2_1;
    std::string out = v21 ? "date'" : "\"";
    out += format_utc(ts_ms);
    out += v21 ? '\'' : '"';
    return out;
}

// k1 > v1 OR (k1 = v1 AND (k2 > v2 OR (...))): strictly after the key values, in key order.
std::string after_keys(const std::vector<std::string>& keys, const Json& values, std::size_t i) {
    const std::string k = keys[i];
    const std::string v = literal(values.at(i));
    if (i + 1 == keys.size()) return k + " > " + v;
    return "(" + k + " > " + v + " OR (" + k + " = " + v + " AND " + after_keys(keys, values, i + 1) + "))";
}

std::string cursor_condition(const Settings& s, const ResolvedFields& f, const Anchor& a) {
    if (a.after_ts_ms) {
        const std::string t = date_literal(s, *a.after_ts_ms);
        return "(" + f.timestamp + " > " + t + " OR (" + f.timestamp + " = " + t + " AND " + after_keys(f.keys, a.after_keys, 0) + "))";
    }
    if (a.from_ts_ms) return f.timestamp + " >= " + date_literal(s, *a.from_ts_ms);
    return "";
}

std::string select_with_needed(const Settings& s, const ResolvedFields& f) {
    if (s.select.empty()) return "";
    std::string select = s.select;
    auto mentions = [&](const std::string& name) {
        std::string lower_sel, lower_name;
        for (char c : select) lower_sel.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        for (char c : name) lower_name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        return lower_sel.find(lower_name) != std::string::npos;
    };
    if (!mentions(f.timestamp)) select += "," + f.timestamp;
    for (const auto& k : f.keys)
        if (!mentions(k)) select += "," + k;
    return select;
}

std::string head(const std::string& body) {
    std::string h = body.substr(0, 120);
    for (char& c : h)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return h + (body.size() > 120 ? "..." : "");
}

Json parse_json_body(const std::string& body, const std::string& where) {
    Json j = Json::parse(body, nullptr, false);
    if (!j.is_discarded()) return j;
    std::size_t i = body.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (i == std::string::npos) throw ResponseError(where + ": empty answer instead of JSON", true);
    if (body[i] == '<')
        throw ResponseError(where + ": answered HTML instead of JSON (an error page?): " + head(body.substr(i)), true);
    // Complete the parse to tell a cut-off body from garbage.
    try {
        const Json strict = Json::parse(body);
        (void)strict;
    } catch (const Json::parse_error& e) {
        if (e.byte >= body.size())
            throw ResponseError(where + ": truncated JSON answer (" + std::to_string(body.size()) + " bytes, ends before the document does)", true);
        throw ResponseError(where + ": answer is not valid JSON at byte " + std::to_string(e.byte) + ": " + head(body), true);
    } catch (const Json::out_of_range& e) {
        // Valid JSON text nlohmann cannot hold (a number beyond a double): not transient.
        throw ResponseError(where + ": answer holds a number out of range (" + e.what() + "): " + head(body), false);
    }
    throw ResponseError(where + ": answer is not valid JSON: " + head(body), true);
}

}  // namespace

std::string literal(const Json& value) {
    if (value.is_string()) {
        std::string out = "\"";
        for (char c : value.get_ref<const std::string&>()) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        return out + "\"";
    }
    return value.dump();
}

std::string catalog_url(const Settings& s) {
    if (s.api == Api::v1) return s.base_url + "/api/datasets/1.0/" + url_encode(s.dataset) + "/";
    return s.base_url + "/api/explore/v2.1/catalog/datasets/" + url_encode(s.dataset);
}

std::string records_url(const Settings& s, const ResolvedFields& f, const Anchor& a, int limit) {
    std::string where = s.where.empty() ? "" : "(" + s.where + ")";
    const std::string cond = cursor_condition(s, f, a);
    if (!cond.empty()) where += (where.empty() ? "" : " AND ") + cond;
    const std::string select = select_with_needed(s, f);
    std::string url;
    if (s.api == Api::v2_1) {
        std::string order = f.timestamp + " ASC";
        for (const auto& k : f.keys) order += ", " + k + " ASC";
        url = s.base_url + "/api/explore/v2.1/catalog/datasets/" + url_encode(s.dataset) + "/records?";
        if (!select.empty()) url += "select=" + url_encode(select) + "&";
        if (!where.empty()) url += "where=" + url_encode(where) + "&";
        url += "order_by=" + url_encode(order) + "&limit=" + std::to_string(limit) + "&offset=" + std::to_string(a.offset) +
               "&timezone=UTC";
    } else {
        // v1: "sort=-field" sorts ascending; one sort parameter per field.
        url = s.base_url + "/api/records/1.0/search/?dataset=" + url_encode(s.dataset);
        if (!where.empty()) url += "&q=" + url_encode(where);
        if (!select.empty()) url += "&fields=" + url_encode(select);
        url += "&sort=" + url_encode("-" + f.timestamp);
        for (const auto& k : f.keys) url += "&sort=" + url_encode("-" + k);
        url += "&rows=" + std::to_string(limit) + "&start=" + std::to_string(a.offset) + "&timezone=UTC";
    }
    return url;
}

Page parse_page(const std::string& body, Api api, const std::string& where) {
    Json j = parse_json_body(body, where);
    if (!j.is_object()) throw ResponseError(where + ": expected a JSON object, got " + head(body), false);
    Page page;
    const char* list = api == Api::v2_1 ? "results" : "records";
    const char* count = api == Api::v2_1 ? "total_count" : "nhits";
    auto it = j.find(list);
    if (it == j.end() || !it->is_array()) {
        if (j.contains("error_code") || j.contains("message"))
            throw ResponseError(where + ": the portal answered an error: " + error_summary(body), false);
        throw ResponseError(where + ": answer has no \"" + std::string(list) + "\" array (not a " +
                                (api == Api::v2_1 ? "v2.1 records" : "v1 search") + " answer): " + head(body),
                            false);
    }
    auto total = j.find(count);
    if (total != j.end() && total->is_number_integer()) page.total = total->get<std::int64_t>();
    page.records.reserve(it->size());
    for (auto& r : *it) {
        if (api == Api::v2_1) {
            page.records.push_back(std::move(r));
        } else {
            auto fields = r.find("fields");
            page.records.push_back(fields != r.end() ? std::move(*fields) : Json());
        }
    }
    return page;
}

std::vector<std::pair<std::string, std::string>> parse_catalog_fields(const std::string& body, const std::string& where) {
    Json j = parse_json_body(body, where);
    // v2.1: {"fields":[...]}; v1: {"fields":[...]} too; some proxies wrap it in "dataset".
    const Json* fields = find_field(j, "fields");
    if (fields == nullptr) {
        if (const Json* d = find_field(j, "dataset")) fields = find_field(*d, "fields");
    }
    if (fields == nullptr || !fields->is_array())
        throw ResponseError(where + ": the dataset description has no \"fields\" array: " + head(body), false);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : *fields) {
        const Json* name = find_field(f, "name");
        const Json* type = find_field(f, "type");
        if (name && name->is_string())
            out.emplace_back(name->get<std::string>(), type && type->is_string() ? type->get<std::string>() : "");
    }
    return out;
}

ResolvedFields resolve_fields(const Settings& s, const std::vector<std::pair<std::string, std::string>>& schema) {
    auto list = [&] {
        std::string names;
        for (const auto& [n, t] : schema) names += (names.empty() ? "" : ", ") + n;
        return names.empty() ? std::string("(none)") : names;
    };
    auto lookup = [&](const std::string& wanted, const char* role) -> const std::pair<std::string, std::string>& {
        for (const auto& f : schema)
            if (f.first == wanted) return f;
        for (const auto& f : schema)
            if (same_ignoring_case(f.first, wanted)) return f;
        throw std::runtime_error("dataset '" + s.dataset + "' has no field '" + wanted + "' (" + role + "); its fields: " + list());
    };
    ResolvedFields r;
    const auto& ts = lookup(s.timestamp_field, "timestamp_field");
    r.timestamp = ts.first;
    r.timestamp_type = ts.second;
    for (const auto& k : s.key_fields) r.keys.push_back(lookup(k, "key_fields").first);
    return r;
}

std::string error_summary(const std::string& body) {
    Json j = Json::parse(body, nullptr, false);
    if (j.is_object()) {
        std::string out;
        if (auto m = j.find("message"); m != j.end() && m->is_string()) out = m->get<std::string>();
        if (auto c = j.find("error_code"); c != j.end() && c->is_string()) out = c->get<std::string>() + (out.empty() ? "" : ": " + out);
        if (!out.empty()) return out;
    }
    return head(body);
}

}  // namespace sluice::ods
