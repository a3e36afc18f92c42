// A local stand-in for an Opendatasoft portal, serving the real fixture exports
// (shared/fixtures: Bordeaux, Rennes, Paris) through the APIs' real envelopes:
//   Explore v2.1  GET /api/explore/v2.1/catalog/datasets/{id}            {dataset_id, fields[]}
//                 GET /api/explore/v2.1/catalog/datasets/{id}/records    {total_count, results[]}
//   Search v1     GET /api/records/1.0/search/?dataset={id}              {nhits, parameters, records[{fields}]}
//                 GET /api/datasets/1.0/{id}/                            {datasetid, fields[]}
// It implements what the source relies on, and refuses what the real API refuses: an ODSQL
// subset in where/q (comparisons, AND, OR, NOT, parentheses; date'..', "..", numbers),
// order_by / sort, select / fields, limit (<= 100) and offset (offset + limit <= 10 000:
// HTTP 400 beyond, as the real API), an unknown field (400), an unknown dataset (404), an
// optional API key (401). Faults are injected per request by a test hook.
#pragma once

#include "http_test_server.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing::ods_replay {

using Json = nlohmann::ordered_json;

// One dataset as the portal holds it: typed values; geo_point_2d as {"lat","lon"} and
// geo_shape as a GeoJSON geometry internally (each API renders them its own way).
struct Dataset {
    std::string id;
    std::vector<std::pair<std::string, std::string>> fields;  // API name, ODS type (text, int, double, datetime, geo_point_2d, geo_shape)
    std::vector<Json> records;
};

// Column typing for CSV exports: API name -> ODS type; columns not listed are text.
using ColumnTypes = std::map<std::string, std::string>;

// The API name of a CSV export column: the label mapping when given, else lower-case with
// spaces as '_'; "Geo Point" / "Geo Shape" are geo_point_2d / geo_shape.
std::string api_name(const std::string& header, const std::map<std::string, std::string>& labels = {});

// An Opendatasoft CSV export (';' by default, optional BOM, quoted fields) as a dataset.
Dataset load_csv_export(const std::string& path, const std::string& id, const ColumnTypes& types,
                        const std::map<std::string, std::string>& labels = {}, char separator = ';');
// An old JSON download (a bare array of {datasetid, recordid, fields, ...}) or a v1 search
// answer ({records: [...]}) as a dataset; types come from the JSON values.
Dataset load_ods_json(const std::string& path, const std::string& id, const std::vector<std::string>& datetime_fields);

// Epoch milliseconds of an ISO 8601 text with a zone (Z or +hh:mm), or nullopt. The
// server's own reader, independent of the plugin's.
std::optional<std::int64_t> instant(const std::string& text);

class ReplayServer {
public:
    // A hook run first for every request: return a response to answer with it (a fault).
    using Fault = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

    ReplayServer();
    std::string url() const { return server_.url(); }
    int port() const { return server_.port(); }

    void put(Dataset dataset);  // adds or replaces (a new snapshot, a changed schema)
    void remove(const std::string& id);
    void set_fault(Fault fault);
    void require_api_key(std::string key);

    std::vector<HttpRequest> requests() const { return server_.requests(); }
    void clear_requests() { server_.clear_requests(); }
    // Record requests refused for offset + limit > 10 000.
    int refused_for_depth() const { return refused_depth_.load(); }

private:
    HttpResponse handle(const HttpRequest& request);
    HttpResponse records_v21(const Dataset& d, const HttpRequest& request);
    HttpResponse search_v1(const Dataset& d, const HttpRequest& request);

    mutable std::mutex mutex_;
    std::map<std::string, Dataset> datasets_;
    Fault fault_;
    std::string api_key_;
    std::atomic<int> refused_depth_{0};
    HttpTestServer server_;
};

}  // namespace sluice::testing::ods_replay
