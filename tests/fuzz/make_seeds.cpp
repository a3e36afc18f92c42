// Seed corpora made at fuzz time from the real fixtures (../shared/fixtures, never copied
// into the repository) and the repository's own configuration files, cut to a few KiB so
// that libFuzzer mutates them quickly:
//
//   make_seeds <fixtures dir> <repository dir> <output dir>
//
// writes <output dir>/<target>/<name> for the targets of tests/fuzz. Targets whose first
// byte selects a mode get seeds for each relevant mode.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

fs::path out_root;
int written = 0;

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
    fs::create_directories(out_root / target);
    std::ofstream(out_root / target / name, std::ios::binary) << bytes;
    ++written;
}

std::vector<fs::path> files(const fs::path& dir, const std::string& ext) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// The first `lines` lines (header included).
std::string head_lines(const std::string& text, size_t lines) {
    size_t pos = 0;
    for (size_t i = 0; i < lines && pos != std::string::npos; ++i) {
        pos = text.find('\n', pos);
        if (pos != std::string::npos) ++pos;
    }
    return pos == std::string::npos ? text : text.substr(0, pos);
}

Json first(const Json& array, size_t n) {
    Json out = Json::array();
    for (size_t i = 0; i < array.size() && i < n; ++i) out.push_back(array[i]);
    return out;
}

std::string http(const std::string& method, const std::string& target, const std::string& type, const std::string& body) {
    return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void csv_fixture(const fs::path& p) {
    const std::string name = p.stem().string();
    const std::string head = head_lines(read(p), 25);
    // Mode byte of datagouv_csv: 0 detects delimiter and encoding; 0x20 caps records at 256 bytes.
    seed("datagouv_csv", name, std::string(1, '\0') + head);
    seed("datagouv_csv", name + ".small-records", std::string(1, '\x20') + head);
}

void json_fixture(const fs::path& p) {
    const std::string name = p.stem().string();
    const Json doc = Json::parse(read(p), nullptr, false);
    if (doc.is_discarded()) return;
    if (doc.is_array()) {  // an Opendatasoft export: [{"datasetid","recordid","fields",...}, ...]
        const Json some = first(doc, 3);
        seed("datagouv_json", name, some.dump());
        Json page = {{"total_count", doc.size()}, {"results", Json::array()}};
        for (const auto& r : some) {
            if (r.contains("fields")) page["results"].push_back(r["fields"]);
            seed("json_document", name + "." + std::to_string(page["results"].size()), r.dump());
        }
        seed("opendatasoft", name + ".v2.1", std::string(1, '\0') + page.dump());
        seed("opendatasoft", name + ".v2.1.paris", std::string(1, '\x10') + page.dump());
        return;
    }
    if (doc.contains("records")) {  // v1 search answer
        Json cut = doc;
        cut["records"] = first(doc["records"], 3);
        seed("opendatasoft", name + ".v1", std::string(1, '\x01') + cut.dump());
        seed("opendatasoft", name + ".v1.keys", std::string(1, '\x05') + cut.dump());
        seed("json_document", name, cut["records"][0].dump());
        return;
    }
    if (doc.contains("hourly")) {  // Open-Meteo: every hourly column cut to two days
        Json cut = doc;
        for (auto& [key, column] : cut["hourly"].items())
            if (column.is_array()) column = first(column, 48);
        seed("weather", name + ".forecast", std::string(1, '\0') + cut.dump());
        seed("weather", name + ".archive", std::string(1, '\x01') + cut.dump());
        seed("json_document", name, cut.dump());
        return;
    }
    if (doc.contains("dt")) {  // OpenWeather current weather
        seed("weather", name, std::string(1, '\x02') + doc.dump());
        seed("json_document", name, doc.dump());
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: make_seeds <fixtures dir> <repository dir> <output dir>\n";
        return 2;
    }
    const fs::path fixtures = argv[1], repo = argv[2];
    out_root = argv[3];
    if (!fs::is_directory(fixtures)) std::cerr << "make_seeds: no fixtures at " << fixtures << "; only repository seeds\n";
    for (const auto& p : files(fixtures, ".csv")) csv_fixture(p);
    for (const auto& p : files(fixtures, ".json")) json_fixture(p);

    // Configuration files of the repository: as files, and as REST pipeline bodies.
    for (const auto& dir : {repo / "configs" / "pipelines", repo / "configs" / "docker" / "pipelines"})
        for (const auto& p : files(dir, ".yaml")) {
            const std::string text = read(p), stem = p.stem().string();
            seed("yaml_config", stem, text);
            seed("rest_api", "put-pipeline-" + stem, http("PUT", "/pipelines/" + stem, "application/yaml", text));
        }
    seed("yaml_config", "worker", read(repo / "configs" / "worker.yaml"));
    std::cout << "make_seeds: " << written << " seeds in " << out_root.string() << "\n";
    return 0;
}
