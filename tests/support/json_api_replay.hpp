// A JSON API on 127.0.0.1 for the http source's tests, answering with the shapes of real
// APIs: AviationStack ({"pagination":{limit,offset,count,total},"data":[...]}, offset
// pagination, access_key in the query, its error body on a bad key), Opendatasoft Explore
// v2.1 ({"total_count":n,"results":[...]}, limit/offset), a cursor-paginated API
// ({"items":[...],"meta":{"next_cursor":...}}) and a next-link API
// ({"departures":[...],"links":{"next":"/v1/departures?page=2"}}). Faults are injected by a
// hook that may answer instead (429, 5xx, HTML, dropped connections: HttpResponse's).
#pragma once

#include "http_test_server.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing::api_replay {

using Json = nlohmann::ordered_json;

enum class Shape { aviationstack, opendatasoft, cursor, next_link };

class ApiReplay {
public:
    using Fault = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

    ApiReplay(Shape shape, std::vector<Json> records, std::string access_key = {})
        : shape_(shape), records_(std::move(records)), access_key_(std::move(access_key)),
          server_([this](const HttpRequest& r) { return answer(r); }) {}

    // The URL the source's `url` starts from.
    std::string url() const {
        switch (shape_) {
        case Shape::aviationstack: return server_.url() + "/v1/flights";
        case Shape::opendatasoft: return server_.url() + "/api/explore/v2.1/catalog/datasets/parking/records";
        case Shape::cursor: return server_.url() + "/v2/items";
        case Shape::next_link: return server_.url() + "/v1/departures";
        }
        return server_.url();
    }
    void set_records(std::vector<Json> records) {
        std::lock_guard lock(m_);
        records_ = std::move(records);
    }
    void set_fault(Fault fault) {
        std::lock_guard lock(m_);
        fault_ = std::move(fault);
    }
    std::vector<HttpRequest> requests() const { return server_.requests(); }
    HttpTestServer& server() { return server_; }

private:
    static long number(const HttpRequest& r, const std::string& name, long fallback) {
        auto it = r.query.find(name);
        return it == r.query.end() ? fallback : std::stol(it->second);
    }

    HttpResponse answer(const HttpRequest& r) {
        Fault fault;
        std::vector<Json> records;
        {
            std::lock_guard lock(m_);
            fault = fault_;
            records = records_;
        }
        if (fault)
            if (auto f = fault(r)) return *f;
        const long total = static_cast<long>(records.size());
        auto slice = [&](long from, long count) {
            Json out = Json::array();
            for (long i = std::max(0L, from); i < std::min(total, from + count); ++i) out.push_back(records[i]);
            return out;
        };
        switch (shape_) {
        case Shape::aviationstack: {
            auto key = r.query.find("access_key");
            if (!access_key_.empty() && (key == r.query.end() || key->second != access_key_))
                return HttpResponse::json(R"({"error":{"code":"invalid_access_key","message":"You have not supplied a valid API Access Key. [Technical Support: support@apilayer.com]"}})",
                                          401);
            const long limit = number(r, "limit", 100), offset = number(r, "offset", 0);
            Json data = slice(offset, limit);
            Json page{{"pagination", {{"limit", limit}, {"offset", offset}, {"count", data.size()}, {"total", total}}},
                      {"data", std::move(data)}};
            return HttpResponse::json(page.dump());
        }
        case Shape::opendatasoft: {
            const long limit = number(r, "limit", 10), offset = number(r, "offset", 0);
            if (offset + limit > 10000)
                return HttpResponse::json(R"({"error_code":"InvalidRESTParameterError","message":"Invalid value for offset"})", 400);
            return HttpResponse::json(Json{{"total_count", total}, {"results", slice(offset, limit)}}.dump());
        }
        case Shape::cursor: {
            const long limit = number(r, "limit", 50);
            auto c = r.query.find("cursor");
            const long from = c == r.query.end() ? 0 : std::stol(c->second.substr(2));  // "c-<index>"
            Json next = from + limit < total ? Json("c-" + std::to_string(from + limit)) : Json(nullptr);
            return HttpResponse::json(Json{{"items", slice(from, limit)}, {"meta", {{"next_cursor", next}}}}.dump());
        }
        case Shape::next_link: {
            const long page = number(r, "page", 1), per_page = 25;
            Json links = Json::object();
            if (page * per_page < total) links["next"] = "/v1/departures?page=" + std::to_string(page + 1);
            return HttpResponse::json(Json{{"departures", slice((page - 1) * per_page, per_page)}, {"links", links}}.dump());
        }
        }
        return HttpResponse::text(500, "unknown shape");
    }

    Shape shape_;
    mutable std::mutex m_;
    std::vector<Json> records_;
    std::string access_key_;
    Fault fault_;
    HttpTestServer server_;
};

}  // namespace sluice::testing::api_replay
