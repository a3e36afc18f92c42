#include "ods_replay_server.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <cstdio>

namespace sluice::testing::ods_replay {
namespace {

// A request the real API would refuse with 400 and an ODSQL error.
struct BadRequest : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read fixture " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::vector<std::string>> parse_csv(std::string text, char sep) {
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field.push_back('"'), ++i;
            else if (c == '"') quoted = false;
            else field.push_back(c);
            continue;
        }
        if (c == '"') { quoted = true; any = true; }
        else if (c == sep) { row.push_back(std::move(field)); field.clear(); any = true; }
        else if (c == '\r') continue;
        else if (c == '\n') {
            if (any || !field.empty()) { row.push_back(std::move(field)); rows.push_back(std::move(row)); }
            row.clear(); field.clear(); any = false;
        } else { field.push_back(c); any = true; }
    }
    if (any || !field.empty()) { row.push_back(std::move(field)); rows.push_back(std::move(row)); }
    return rows;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string utc_text(std::int64_t ms) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
    return buf;
}

Json typed(const std::string& text, const std::string& type) {
    if (text.empty()) return nullptr;
    if (type == "int") return std::stoll(text);
    if (type == "double") return std::stod(text);
    if (type == "geo_point_2d") {
        const auto comma = text.find(',');
        return Json{{"lat", std::stod(text.substr(0, comma))}, {"lon", std::stod(text.substr(comma + 1))}};
    }
    if (type == "geo_shape") return Json::parse(text);
    return text;
}

// ---- the ODSQL subset ----

struct Token {
    enum Kind { ident, op, number, string, date, lparen, rparen, end } kind = end;
    std::string text;
};

std::vector<Token> tokenize(const std::string& s) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
        if (c == '(') { out.push_back({Token::lparen, "("}); ++i; continue; }
        if (c == ')') { out.push_back({Token::rparen, ")"}); ++i; continue; }
        if (c == '>' || c == '<' || c == '=' || c == '!') {
            std::string o(1, c);
            if (i + 1 < s.size() && s[i + 1] == '=') o.push_back('=');
            if (o == "!") throw BadRequest("ODSQL: unexpected '!'");
            out.push_back({Token::op, o});
            i += o.size();
            continue;
        }
        if (c == '"' || c == '\'') {
            std::string v;
            ++i;
            while (i < s.size() && s[i] != c) {
                if (s[i] == '\\' && i + 1 < s.size()) ++i;
                v.push_back(s[i++]);
            }
            if (i >= s.size()) throw BadRequest("ODSQL: unterminated string");
            ++i;
            out.push_back({Token::string, v});
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.') {
            std::size_t j = i + 1;
            while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == 'e' || s[j] == 'E')) ++j;
            out.push_back({Token::number, s.substr(i, j - i)});
            i = j;
            continue;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '`') {
            std::size_t j = i;
            if (c == '`') {
                j = s.find('`', i + 1);
                if (j == std::string::npos) throw BadRequest("ODSQL: unterminated `name`");
                out.push_back({Token::ident, s.substr(i + 1, j - i - 1)});
                i = j + 1;
                continue;
            }
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
            std::string word = s.substr(i, j - i);
            if (lower(word) == "date" && j < s.size() && s[j] == '\'') {
                const std::size_t end = s.find('\'', j + 1);
                if (end == std::string::npos) throw BadRequest("ODSQL: unterminated date literal");
                out.push_back({Token::date, s.substr(j + 1, end - j - 1)});
                i = end + 1;
                continue;
            }
            out.push_back({Token::ident, word});
            i = j;
            continue;
        }
        throw BadRequest(std::string("ODSQL: unexpected character '") + c + "'");
    }
    out.push_back({Token::end, ""});
    return out;
}

struct Evaluator {
    const Dataset& d;
    const Json& record;
    const std::vector<Token>& t;
    std::size_t i = 0;

    bool keyword(const char* k) {
        if (t[i].kind == Token::ident && lower(t[i].text) == k) { ++i; return true; }
        return false;
    }
    bool or_expr() {
        bool v = and_expr();
        while (keyword("or")) v = and_expr() || v;
        return v;
    }
    bool and_expr() {
        bool v = not_expr();
        while (keyword("and")) v = not_expr() && v;
        return v;
    }
    bool not_expr() {
        if (keyword("not")) return !not_expr();
        if (t[i].kind == Token::lparen) {
            ++i;
            bool v = or_expr();
            if (t[i].kind != Token::rparen) throw BadRequest("ODSQL: expected ')'");
            ++i;
            return v;
        }
        return comparison();
    }
    bool comparison() {
        if (t[i].kind != Token::ident) throw BadRequest("ODSQL: expected a field name near '" + t[i].text + "'");
        const std::string field = t[i++].text;
        auto type = std::find_if(d.fields.begin(), d.fields.end(), [&](const auto& f) { return f.first == field; });
        if (type == d.fields.end()) throw BadRequest("Unknown field: " + field);
        if (t[i].kind != Token::op) throw BadRequest("ODSQL: expected a comparison after " + field);
        const std::string op = t[i++].text;
        const Token lit = t[i++];
        if (lit.kind != Token::number && lit.kind != Token::string && lit.kind != Token::date)
            throw BadRequest("ODSQL: expected a literal after " + field + " " + op);
        auto it = record.find(field);
        if (it == record.end() || it->is_null()) return false;
        int cmp = 0;
        if (lit.kind == Token::date || (type->second == "datetime" && instant(lit.text))) {
            const auto b = instant(lit.text);
            if (!b) throw BadRequest("ODSQL: invalid date '" + lit.text + "'");
            if (!it->is_string()) return false;
            const auto a = instant(it->get<std::string>());
            if (!a) return false;
            const std::int64_t x = a.value(), y = b.value();
            cmp = x < y ? -1 : x > y ? 1 : 0;
        } else if (lit.kind == Token::number) {
            if (!it->is_number()) return false;
            const double a = it->get<double>(), b = std::stod(lit.text);
            cmp = a < b ? -1 : a > b ? 1 : 0;
        } else {
            if (!it->is_string()) return false;
            cmp = it->get<std::string>().compare(lit.text);
            cmp = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
        }
        if (op == "=") return cmp == 0;
        if (op == "!=") return cmp != 0;
        if (op == ">") return cmp > 0;
        if (op == ">=") return cmp >= 0;
        if (op == "<") return cmp < 0;
        if (op == "<=") return cmp <= 0;
        throw BadRequest("ODSQL: unknown operator " + op);
    }
};

bool matches(const Dataset& d, const Json& record, const std::vector<Token>& tokens) {
    if (tokens.size() == 1) return true;
    Evaluator e{d, record, tokens};
    bool v = e.or_expr();
    if (tokens[e.i].kind != Token::end) throw BadRequest("ODSQL: unexpected '" + tokens[e.i].text + "'");
    return v;
}

void check_syntax(const Dataset& d, const std::vector<Token>& tokens) {
    // Evaluate once on an empty record: reports syntax errors and unknown fields even when
    // the dataset is empty.
    Json empty = Json::object();
    (void)matches(d, empty, tokens);
}

int compare_values(const Json& a, const Json& b, const std::string& type) {
    if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : (a.is_null() ? -1 : 1);
    if (type == "datetime" && a.is_string() && b.is_string()) {
        auto x = instant(a.get<std::string>()), y = instant(b.get<std::string>());
        if (x && y) return *x < *y ? -1 : *x > *y ? 1 : 0;
    }
    if (a.is_number() && b.is_number()) {
        const double x = a.get<double>(), y = b.get<double>();
        return x < y ? -1 : x > y ? 1 : 0;
    }
    const std::string x = a.dump(), y = b.dump();
    return x < y ? -1 : x > y ? 1 : 0;
}

struct SortKey {
    std::string field;
    std::string type;
    bool ascending = true;
};

const std::string& type_of(const Dataset& d, const std::string& field) {
    for (const auto& f : d.fields)
        if (f.first == field) return f.second;
    throw BadRequest("Unknown field: " + field);
}

std::vector<Json> select_records(const Dataset& d, const std::string& where, const std::vector<SortKey>& order) {
    const auto tokens = tokenize(where);
    check_syntax(d, tokens);
    std::vector<Json> hits;
    for (const auto& r : d.records)
        if (matches(d, r, tokens)) hits.push_back(r);
    std::stable_sort(hits.begin(), hits.end(), [&](const Json& a, const Json& b) {
        for (const auto& k : order) {
            static const Json null_value;
            const Json& x = a.contains(k.field) ? a.at(k.field) : null_value;
            const Json& y = b.contains(k.field) ? b.at(k.field) : null_value;
            int c = compare_values(x, y, k.type);
            if (c != 0) return k.ascending ? c < 0 : c > 0;
        }
        return false;
    });
    return hits;
}

std::vector<std::string> split_names(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) {
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

HttpResponse ods_error(int status, const std::string& code, const std::string& message) {
    return HttpResponse::json(Json{{"error_code", code}, {"message", message}}.dump(), status);
}

int int_param(const HttpRequest& r, const std::string& name, int fallback) {
    auto it = r.query.find(name);
    if (it == r.query.end()) return fallback;
    try {
        std::size_t used = 0;
        int v = std::stoi(it->second, &used);
        if (used != it->second.size()) throw BadRequest("");
        return v;
    } catch (const std::exception&) {
        throw BadRequest("Invalid value for " + name + ": " + it->second);
    }
}

// Every value of a repeated query parameter (HttpRequest::query keeps only the last).
std::vector<std::string> all_params(const HttpRequest& r, const std::string& name) {
    std::vector<std::string> out;
    const auto q = r.target.find('?');
    if (q == std::string::npos) return out;
    std::stringstream ss(r.target.substr(q + 1));
    std::string pair;
    while (std::getline(ss, pair, '&')) {
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) != name) continue;
        std::string v = eq == std::string::npos ? "" : pair.substr(eq + 1), decoded;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i] == '%' && i + 2 < v.size()) {
                decoded.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
                i += 2;
            } else decoded.push_back(v[i] == '+' ? ' ' : v[i]);
        }
        out.push_back(decoded);
    }
    return out;
}

Json fields_json(const Dataset& d) {
    Json fields = Json::array();
    for (const auto& [name, type] : d.fields) {
        std::string shown = type == "int" ? "int" : type == "double" ? "double" : type;
        fields.push_back(Json{{"name", name}, {"label", name}, {"type", shown}});
    }
    return fields;
}

}  // namespace

namespace {
std::optional<std::int64_t> parse_instant(const std::string& s) {
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (s.size() < 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &mo, &d) != 3 || s[4] != '-' || s[7] != '-') return std::nullopt;
    std::size_t i = 10;
    std::int64_t ms = 0;
    if (i < s.size()) {
        if ((s[i] != 'T' && s[i] != ' ') || std::sscanf(s.c_str() + i + 1, "%2d:%2d:%2d", &h, &mi, &se) != 3) return std::nullopt;
        i += 9;
        if (i < s.size() && s[i] == '.') {
            ++i;
            int scale = 100;
            while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ms += (s[i++] - '0') * scale, scale /= 10;
        }
    }
    std::int64_t offset = 0;
    if (i < s.size()) {
        if (s[i] == 'Z') ++i;
        else if (s[i] == '+' || s[i] == '-') {
            int oh = 0, om = 0;
            if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
            offset = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
            i += 6;
        }
        if (i != s.size()) return std::nullopt;
    }
    const std::int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + se;
    return (secs - offset) * 1000 + ms;
}
}  // namespace

std::optional<std::int64_t> instant(const std::string& s) {
    // Every comparison of a where clause or a sort reads timestamps: remember them.
    thread_local std::unordered_map<std::string, std::optional<std::int64_t>> cache;
    if (auto it = cache.find(s); it != cache.end()) return it->second;
    if (cache.size() > 200000) cache.clear();
    return cache[s] = parse_instant(s);
}

std::string api_name(const std::string& header, const std::map<std::string, std::string>& labels) {
    if (auto it = labels.find(header); it != labels.end()) return it->second;
    std::string n = lower(header);
    if (n == "geo point") return "geo_point_2d";
    if (n == "geo shape") return "geo_shape";
    for (char& c : n)
        if (c == ' ') c = '_';
    return n;
}

Dataset load_csv_export(const std::string& path, const std::string& id, const ColumnTypes& types,
                        const std::map<std::string, std::string>& labels, char separator) {
    auto rows = parse_csv(read_file(path), separator);
    if (rows.empty()) throw std::runtime_error(path + ": empty CSV");
    Dataset d;
    d.id = id;
    std::vector<std::string> names;
    for (const auto& h : rows[0]) {
        names.push_back(api_name(h, labels));
        auto t = types.find(names.back());
        d.fields.emplace_back(names.back(), t == types.end() ? "text" : t->second);
    }
    for (std::size_t r = 1; r < rows.size(); ++r) {
        if (rows[r].size() != names.size())
            throw std::runtime_error(path + ": row " + std::to_string(r + 1) + " has " + std::to_string(rows[r].size()) + " columns");
        Json rec = Json::object();
        for (std::size_t c = 0; c < names.size(); ++c) rec[names[c]] = typed(rows[r][c], d.fields[c].second);
        d.records.push_back(std::move(rec));
    }
    return d;
}

Dataset load_ods_json(const std::string& path, const std::string& id, const std::vector<std::string>& datetime_fields) {
    Json j = Json::parse(read_file(path));
    const Json& list = j.is_array() ? j : j.at("records");
    Dataset d;
    d.id = id;
    auto declare = [&](const std::string& name, const std::string& type) {
        for (const auto& f : d.fields)
            if (f.first == name) return;
        d.fields.emplace_back(name, type);
    };
    for (const auto& r : list) {
        Json rec = Json::object();
        for (auto it = r.at("fields").begin(); it != r.at("fields").end(); ++it) {
            const std::string& name = it.key();
            const Json& v = it.value();
            if (name == "geo_point_2d") {
                declare(name, "geo_point_2d");
                rec[name] = Json{{"lat", v.at(0)}, {"lon", v.at(1)}};
            } else if (name == "geo_shape") {
                declare(name, "geo_shape");
                rec[name] = v;
            } else {
                const bool dt = std::find(datetime_fields.begin(), datetime_fields.end(), name) != datetime_fields.end();
                declare(name, dt ? "datetime" : v.is_number_integer() ? "int" : v.is_number() ? "double" : "text");
                rec[name] = v;
            }
        }
        d.records.push_back(std::move(rec));
    }
    return d;
}

ReplayServer::ReplayServer() : server_([this](const HttpRequest& r) { return handle(r); }) {}

void ReplayServer::put(Dataset dataset) {
    std::lock_guard lock(mutex_);
    datasets_[dataset.id] = std::move(dataset);
}

void ReplayServer::remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    datasets_.erase(id);
}

void ReplayServer::set_fault(Fault fault) {
    std::lock_guard lock(mutex_);
    fault_ = std::move(fault);
}

void ReplayServer::require_api_key(std::string key) {
    std::lock_guard lock(mutex_);
    api_key_ = std::move(key);
}

HttpResponse ReplayServer::handle(const HttpRequest& request) {
    Fault fault;
    {
        std::lock_guard lock(mutex_);
        fault = fault_;
    }
    if (fault)
        if (auto r = fault(request)) return *r;
    std::lock_guard lock(mutex_);
    if (!api_key_.empty() && request.header("authorization") != "Apikey " + api_key_)
        return ods_error(401, "InvalidAPIKey", "An API key is required");
    try {
        static const std::string v21 = "/api/explore/v2.1/catalog/datasets/";
        if (request.path.rfind(v21, 0) == 0) {
            std::string rest = request.path.substr(v21.size());
            const bool records = rest.size() > 8 && rest.compare(rest.size() - 8, 8, "/records") == 0;
            const std::string id = records ? rest.substr(0, rest.size() - 8) : rest;
            auto it = datasets_.find(id);
            if (it == datasets_.end()) return ods_error(404, "NotFound", "Unknown dataset: " + id);
            if (!records) return HttpResponse::json(Json{{"dataset_id", id}, {"fields", fields_json(it->second)}}.dump());
            return records_v21(it->second, request);
        }
        if (request.path == "/api/records/1.0/search/" || request.path == "/api/records/1.0/search") {
            auto ds = request.query.find("dataset");
            auto it = ds == request.query.end() ? datasets_.end() : datasets_.find(ds->second);
            if (it == datasets_.end()) return ods_error(404, "NotFound", "Unknown dataset");
            return search_v1(it->second, request);
        }
        static const std::string v1meta = "/api/datasets/1.0/";
        if (request.path.rfind(v1meta, 0) == 0) {
            std::string id = request.path.substr(v1meta.size());
            if (!id.empty() && id.back() == '/') id.pop_back();
            auto it = datasets_.find(id);
            if (it == datasets_.end()) return ods_error(404, "NotFound", "Unknown dataset: " + id);
            return HttpResponse::json(Json{{"datasetid", id}, {"fields", fields_json(it->second)}}.dump());
        }
        return HttpResponse::text(404, "<html><body>Not Found</body></html>", "text/html");
    } catch (const BadRequest& e) {
        return ods_error(400, "ODSQLError", e.what());
    }
}

HttpResponse ReplayServer::records_v21(const Dataset& d, const HttpRequest& request) {
    const int limit = int_param(request, "limit", 10);
    const int offset = int_param(request, "offset", 0);
    if (limit < -1 || limit > 100) throw BadRequest("Invalid value for limit: must be at most 100");
    if (offset < 0 || offset + limit > 10000) {
        ++refused_depth_;
        return ods_error(400, "InvalidRESTParameterError",
                         "Invalid value for offset + limit (" + std::to_string(offset + limit) + "): must be lower than 10000");
    }
    std::vector<SortKey> order;
    if (auto it = request.query.find("order_by"); it != request.query.end()) {
        for (const auto& item : split_names(it->second)) {
            SortKey k;
            const auto space = item.find(' ');
            k.field = item.substr(0, space);
            if (space != std::string::npos) k.ascending = lower(item.substr(space + 1)) != "desc";
            k.type = type_of(d, k.field);
            order.push_back(k);
        }
    }
    auto where = request.query.find("where");
    auto hits = select_records(d, where == request.query.end() ? "" : where->second, order);
    std::vector<std::string> select;
    if (auto it = request.query.find("select"); it != request.query.end()) {
        select = split_names(it->second);
        for (const auto& f : select) (void)type_of(d, f);
    }
    const bool utc = request.query.count("timezone") && request.query.at("timezone") == "UTC";
    Json results = Json::array();
    for (std::size_t i = static_cast<std::size_t>(offset); i < hits.size() && results.size() < static_cast<std::size_t>(limit); ++i) {
        Json out = Json::object();
        for (const auto& [name, type] : d.fields) {
            if (!select.empty() && std::find(select.begin(), select.end(), name) == select.end()) continue;
            const Json v = hits[i].contains(name) ? hits[i].at(name) : Json();
            if (type == "geo_point_2d" && v.is_object()) out[name] = Json{{"lon", v.at("lon")}, {"lat", v.at("lat")}};
            else if (type == "geo_shape" && v.is_object())
                out[name] = Json{{"type", "Feature"}, {"geometry", v}, {"properties", Json::object()}};
            else if (type == "datetime" && utc && v.is_string() && instant(v.get<std::string>()))
                out[name] = utc_text(*instant(v.get<std::string>()));
            else out[name] = v;
        }
        results.push_back(std::move(out));
    }
    return HttpResponse::json(Json{{"total_count", hits.size()}, {"results", results}}.dump());
}

HttpResponse ReplayServer::search_v1(const Dataset& d, const HttpRequest& request) {
    const int rows = int_param(request, "rows", 10);
    const int start = int_param(request, "start", 0);
    if (rows < 0 || start < 0 || start + rows > 10000) {
        ++refused_depth_;
        return ods_error(400, "InvalidRESTParameterError", "start + rows must be lower than 10000");
    }
    std::vector<SortKey> order;
    for (const auto& s : all_params(request, "sort")) {
        SortKey k;
        k.ascending = !s.empty() && s[0] == '-';  // v1: "-field" ascending, "field" descending
        k.field = k.ascending ? s.substr(1) : s;
        k.type = type_of(d, k.field);
        order.push_back(k);
    }
    auto q = request.query.find("q");
    auto hits = select_records(d, q == request.query.end() ? "" : q->second, order);
    std::vector<std::string> fields;
    if (auto it = request.query.find("fields"); it != request.query.end()) fields = split_names(it->second);
    Json records = Json::array();
    for (std::size_t i = static_cast<std::size_t>(start); i < hits.size() && records.size() < static_cast<std::size_t>(rows); ++i) {
        Json f = Json::object();
        for (const auto& [name, type] : d.fields) {
            if (!fields.empty() && std::find(fields.begin(), fields.end(), name) == fields.end()) continue;
            if (!hits[i].contains(name) || hits[i].at(name).is_null()) continue;  // v1 omits nulls
            const Json& v = hits[i].at(name);
            if (type == "geo_point_2d") f[name] = Json::array({v.at("lat"), v.at("lon")});
            else f[name] = v;
        }
        Json rec{{"datasetid", d.id}, {"recordid", std::to_string(std::hash<std::string>{}(hits[i].dump()))}, {"fields", f}};
        if (hits[i].contains("geo_point_2d") && hits[i]["geo_point_2d"].is_object())
            rec["geometry"] = Json{{"type", "Point"}, {"coordinates", {hits[i]["geo_point_2d"]["lon"], hits[i]["geo_point_2d"]["lat"]}}};
        rec["record_timestamp"] = "2023-02-01T22:47:00Z";
        records.push_back(std::move(rec));
    }
    Json params{{"dataset", d.id}, {"rows", rows}, {"start", start}, {"format", "json"}, {"timezone", "UTC"}};
    return HttpResponse::json(Json{{"nhits", hits.size()}, {"parameters", params}, {"records", records}}.dump());
}

}  // namespace sluice::testing::ods_replay
