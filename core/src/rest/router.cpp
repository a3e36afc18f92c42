#include "rest/router.hpp"

#include "common/log.hpp"
#include "common/text.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace sluice::rest {

int status_of(control::Refusal refusal) {
    switch (refusal) {
    case control::Refusal::invalid: return 400;
    case control::Refusal::not_found: return 404;
    case control::Refusal::conflict: return 409;
    case control::Refusal::unavailable: return 503;
    }
    return 500;
}

HttpResponse error_response(int status, const std::string& message) {
    HttpResponse r;
    r.status = status;
    // Messages may quote what the client sent (any bytes): never a 500 for that, never a secret.
    r.body = nlohmann::json{{"error_code", status}, {"message", log::mask_secrets(message)}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

std::string Call::query(const std::string& name) const {
    for (const auto& [k, v] : request.query)
        if (k == name) return v;
    return "";
}

std::vector<std::string> Call::query_all(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : request.query)
        if (k == name) out.push_back(v);
    return out;
}

namespace {
std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        out.push_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}
}  // namespace

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
    routes_.push_back({method, pattern, split_path(pattern), std::move(handler)});
}

HttpResponse Router::dispatch(const HttpRequest& request, std::string& route) const {
    route = "unmatched";
    std::vector<std::string> raw = split_path(request.path);
    // An empty segment ("//") or a trailing one is not a name: keep them out of parameters.
    std::vector<std::string> segments;
    for (const auto& s : raw) {
        std::string decoded;
        if (!percent_decode(s, decoded, false)) return error_response(400, "malformed percent-encoding in the path " + request.path);
        // Names are UTF-8 text: %ff%fe is the client's mistake, not a name to look up.
        if (text::invalid_utf8_at(decoded))
            return error_response(400, "path segment " + text::shown(decoded) + " of " + text::shown(request.path, 200) +
                                           " is not valid UTF-8 once percent-decoded");
        segments.push_back(decoded);
    }
    std::set<std::string> allowed;
    const Route* match = nullptr;
    std::map<std::string, std::string> params;
    for (const auto& r : routes_) {
        if (r.segments.size() != segments.size()) continue;
        std::map<std::string, std::string> p;
        bool ok = true;
        for (size_t i = 0; i < segments.size() && ok; ++i) {
            const auto& pat = r.segments[i];
            if (pat.size() > 2 && pat.front() == '{' && pat.back() == '}') p[pat.substr(1, pat.size() - 2)] = segments[i];
            else ok = pat == segments[i];
        }
        if (!ok) continue;
        if (r.method == request.method && !match) {  // first registered wins: literals are registered first
            match = &r;
            params = std::move(p);
            route = r.pattern;
        }
        allowed.insert(r.method);
    }
    if (!match) {
        if (allowed.empty()) return error_response(404, "no such resource: " + request.path);
        std::vector<std::string> methods(allowed.begin(), allowed.end());
        HttpResponse r = error_response(405, "method " + request.method + " is not allowed on " + request.path +
                                                 " (allowed: " + text::join(methods, ", ") + ")");
        r.headers.emplace_back("Allow", text::join(methods, ", "));
        return r;
    }
    try {
        return match->handler(Call{request, params});
    } catch (const ApiError& e) {
        return error_response(e.status, e.what());
    } catch (const control::Error& e) {
        return error_response(status_of(e.refusal), e.what());
    } catch (const nlohmann::json::exception& e) {
        return error_response(400, std::string("unexpected JSON: ") + e.what());
    }
}

}  // namespace sluice::rest
