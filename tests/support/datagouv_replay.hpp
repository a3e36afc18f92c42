// A data.gouv.fr stand-in for the datagouv source's tests: GET /api/1/datasets/{id or slug}/
// answers the dataset with its `resources` list in the API's shape (id, title, format, url,
// latest, last_modified, checksum {type, value}, filesize, filetype, mime, ...), an unknown
// dataset a 404 {"message": ...} as the real API; each resource's `url` serves the file's bytes.
// Files can be replaced (a new version: new last_modified and checksum) and faults queued
// per path (429 with Retry-After, 500, a body cut short, ...).
#pragma once

#include "http_test_server.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sluice::testing {

class DatagouvReplay {
public:
    struct File {
        std::string id;     // resource id (a UUID on the real portal)
        std::string title;
        std::string format;  // "csv", "json"
        std::string name;    // file name in its URL
        std::string bytes;
        std::string last_modified = "2024-01-15T10:22:31.123000+00:00";
    };

    static constexpr const char* dataset_id = "5a7c7a1b88ee387a1b2f3c4d";
    static constexpr const char* dataset_slug = "comptage-du-trafic-bordeaux-metropole";

    DatagouvReplay() : server_([this](const HttpRequest& r) { return answer(r); }) {}

    void add(File file) {
        std::lock_guard lock(mutex_);
        files_.push_back(std::move(file));
    }
    // A new version of a resource's file.
    void replace(const std::string& id, std::string bytes, std::string last_modified) {
        std::lock_guard lock(mutex_);
        for (auto& f : files_)
            if (f.id == id) {
                f.bytes = std::move(bytes);
                f.last_modified = std::move(last_modified);
            }
    }
    // The next request for `path` gets `response` instead (queued: several faults in a row).
    void fault(const std::string& path, HttpResponse response) {
        std::lock_guard lock(mutex_);
        faults_[path].push_back(std::move(response));
    }

    std::string url() const { return server_.url(); }
    static std::string listing_path(const std::string& dataset = dataset_slug) { return "/api/1/datasets/" + dataset + "/"; }
    static std::string file_path(const File& f) { return "/files/" + f.id + "/" + f.name; }
    std::string file_path(const std::string& id) const {
        std::lock_guard lock(mutex_);
        for (const auto& f : files_)
            if (f.id == id) return file_path(f);
        throw std::runtime_error("no file " + id);
    }
    // How many requests reached `path` (faults included).
    int hits(const std::string& path) const {
        int n = 0;
        for (const auto& r : server_.requests()) n += r.path == path ? 1 : 0;
        return n;
    }
    const HttpTestServer& server() const { return server_; }

    // A stand-in for the SHA-1 the portal publishes: 40 hex digits that change with the bytes.
    static std::string checksum_of(const std::string& bytes) {
        std::uint64_t a = 14695981039346656037ull, b = 1099511628211ull;
        for (unsigned char c : bytes) {
            a = (a ^ c) * 1099511628211ull;
            b = (b + c) * 6364136223846793005ull + 1442695040888963407ull;
        }
        char text[48];
        std::snprintf(text, sizeof text, "%016llx%016llx%08x", static_cast<unsigned long long>(a),
                      static_cast<unsigned long long>(b), static_cast<unsigned>(a ^ (b >> 7)));
        return std::string(text, 40);
    }

private:
    HttpResponse answer(const HttpRequest& request) {
        std::lock_guard lock(mutex_);
        if (auto it = faults_.find(request.path); it != faults_.end() && !it->second.empty()) {
            HttpResponse fault = std::move(it->second.front());
            it->second.pop_front();
            return fault;
        }
        if (request.method != "GET") return HttpResponse::json(R"({"message": "Method Not Allowed"})", 405);
        if (request.path == listing_path(dataset_slug) || request.path == listing_path(dataset_id)) return listing();
        if (request.path.starts_with("/api/1/datasets/"))
            return HttpResponse::json(R"({"message": "Not Found", "status": 404})", 404);
        for (const auto& f : files_)
            if (request.path == file_path(f)) {
                HttpResponse r = HttpResponse::text(200, f.bytes, f.format == "json" ? "application/json" : "text/csv");
                r.headers.emplace_back("Last-Modified", "Mon, 15 Jan 2024 10:22:31 GMT");
                return r;
            }
        return HttpResponse::text(404, "<html><body><h1>404 Not Found</h1></body></html>", "text/html");
    }

    HttpResponse listing() const {
        using json = nlohmann::ordered_json;
        json resources = json::array();
        for (const auto& f : files_) {
            resources.push_back({
                {"checksum", {{"type", "sha1"}, {"value", checksum_of(f.bytes)}}},
                {"created_at", "2024-01-15T10:20:00.000000+00:00"},
                {"description", "Export " + f.format},
                {"extras", json::object()},
                {"filesize", f.bytes.size()},
                {"filetype", "remote"},
                {"format", f.format},
                {"id", f.id},
                {"last_modified", f.last_modified},
                {"latest", "https://www.data.gouv.fr/fr/datasets/r/" + f.id},
                {"mime", f.format == "json" ? "application/json" : "text/csv"},
                {"title", f.title},
                {"type", "main"},
                {"url", server_.url() + file_path(f)},
            });
        }
        json dataset = {
            {"id", dataset_id},
            {"slug", dataset_slug},
            {"title", "Comptage du trafic - Bordeaux Métropole"},
            {"page", std::string("https://www.data.gouv.fr/fr/datasets/") + dataset_slug + "/"},
            {"frequency", "annual"},
            {"organization", {{"name", "Bordeaux Métropole"}, {"slug", "bordeaux-metropole"}}},
            {"last_modified", "2024-01-15T10:22:31.123000+00:00"},
            {"resources", resources},
        };
        return HttpResponse::json(dataset.dump());
    }

    mutable std::mutex mutex_;
    std::vector<File> files_;
    std::map<std::string, std::deque<HttpResponse>> faults_;
    HttpTestServer server_;  // last: its threads call answer(), which uses the members above
};

}  // namespace sluice::testing
