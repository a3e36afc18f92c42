// The REST API of a real worker (`sluice run --worker`, embedded Kafka) against hostile
// clients for SLUICE_REST_ROBUSTNESS_SECONDS (default 40): a seeded random client over raw
// TCP sends every route with random names (percent-encoded %00, %ff, '/'...), byte-mutated
// Connect configurations and pipeline YAML, JSON with invalid UTF-8, huge and deep JSON,
// oversized bodies, random methods and headers, wrong Content-Length, truncated, chunked,
// pipelined and garbage requests, while other connections are held open idle or fed one byte
// at a time (slowloris). Configurations reference a canary secret through ${env:...} and
// ${file:...}. Throughout, a probe asks GET /health.
//
// Asserted: the worker lives to the end; /health answers 200 within 2 s every time; no answer
// is a 500; every answer is well-formed HTTP, with a JSON body where it says JSON; the canary
// never appears in an answer or in the worker's log; RSS stays under a bound.
//
// The seed is printed; SLUICE_REST_ROBUSTNESS_SEED=<seed> replays the same request sequence
// per client thread (thread interleaving differs). Connectors are only datagen, blackhole and
// file, with bounded rates, names, topics and paths inside the test's directory, so memory and
// disk stay bounded whatever the mutations produce.
#include "raw_http.hpp"
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

using namespace sluice::it;
using Clock = std::chrono::steady_clock;
using Rng = std::mt19937_64;

namespace {

// Measured peaks: 46 MiB in a 40 s run (2 300 requests), 66 MiB in 300 s (28 000 requests).
// The bound leaves room for the embedded cluster's topics and slower machines, and still
// catches growth per request (a made-up method per request once grew RSS ~1 KiB each).
constexpr size_t kRssLimitKib = 300 * 1024;
constexpr auto kHealthLimit = std::chrono::milliseconds(2000);
constexpr auto kAnswerDeadline = std::chrono::seconds(60);  // a sink offset change waits for its group (~3-5 s each, one at a time)
constexpr const char* kCanaryVar = "SLUICE_ROBUSTNESS_CANARY";

std::string escaped(std::string_view s, size_t max = 160) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < max; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c >= 0x20 && c < 0x7F) out.push_back(static_cast<char>(c));
        else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
    return out;
}

// A JSON string literal that keeps bytes as they are (invalid UTF-8 included): nlohmann would refuse them.
std::string raw_json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            continue;
        }
        out.push_back(c);
    }
    return out + "\"";
}

template <class T>
const T& pick(Rng& rng, const std::vector<T>& items) {
    return items[rng() % items.size()];
}

// Everything the run saw, by assertion; a few examples of each.
class Findings {
public:
    void add(const std::string& assertion, const std::string& example) {
        std::lock_guard lock(mutex_);
        auto& list = by_assertion_[assertion];
        if (list.size() < 6) list.push_back(example);
        ++counts_[assertion];
    }
    void answered(const std::string& kind, int status) {
        std::lock_guard lock(mutex_);
        ++statuses_[kind][status];
    }
    size_t count(const std::string& assertion) {
        std::lock_guard lock(mutex_);
        return counts_[assertion];
    }
    std::string examples(const std::string& assertion) {
        std::lock_guard lock(mutex_);
        std::string out;
        for (const auto& e : by_assertion_[assertion]) out += "\n  " + e;
        return out;
    }
    std::string summary() {
        std::lock_guard lock(mutex_);
        std::string out;
        for (const auto& [kind, statuses] : statuses_) {
            out += "\n  " + kind + ":";
            for (const auto& [status, n] : statuses) out += " " + std::to_string(status) + "x" + std::to_string(n);
        }
        return out;
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::vector<std::string>> by_assertion_;
    std::map<std::string, size_t> counts_;
    std::map<std::string, std::map<int, size_t>> statuses_;
};

const char* const kNoCrash = "the worker lives";
const char* const kNo500 = "no answer is a 500";
const char* const kWellFormed = "every answer is well-formed HTTP";
const char* const kJson = "JSON answers are JSON";
const char* const kCanary = "no canary in an answer";
const char* const kHealth = "/health answers 200 within 2 s";

// One request and what may legitimately happen to it.
struct Request {
    std::string kind;  // for the report
    std::string bytes;
    bool answer_required = true;  // false: the server may close without answering
    bool close_write = false;     // end our side after the bytes (a truncated request ends there)
    int answers = 1;              // pipelined: answers expected on the connection
};

std::string http(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& type = "application/json", const std::string& extra_headers = "") {
    std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        if (!type.empty()) out += "Content-Type: " + type + "\r\n";
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    return out + "\r\n" + body;
}

// What the random client draws from.
class Generator {
public:
    Generator(uint64_t seed, const std::string& dir, const std::string& canary_file)
        : rng_(seed), dir_(dir), canary_file_(canary_file) {}

    Request next() {
        switch (rng_() % 20) {
        case 0: case 1: case 2: case 3: case 4: return route_request();
        case 5: case 6: case 7: return connector_config();
        case 8: case 9: return pipeline_yaml();
        case 10: return bad_json();
        case 11: case 12: return malformed();
        case 13: return pipelined();
        case 14: return random_method_and_headers();
        case 15: return canary_config();
        case 16: return truncated();
        default: return route_request();
        }
    }

    // The names a connector or pipeline may be created under (bounded), and ones that must be refused.
    std::string connector_name() { return rng_() % 4 ? "c" + std::to_string(rng_() % 6) : bad_name(); }
    std::string pipeline_name() { return rng_() % 4 ? "p" + std::to_string(rng_() % 3) : bad_name(); }

private:
    std::string bad_name() {
        static const std::vector<std::string> names = {"%ff%fe", "%00", "a%2Fb", "..", "%2e%2e", "%c3%a9t%c3%a9", "x%", "%zz",
                                                       std::string(300, 'a'), "c0.x", "%25", "+", "c0%20", "%0d%0aX:%201",
                                                       "\xff", "%e2%80%ae", "%c0%af", "%ed%a0%80"};
        return pick(rng_, names);
    }

    std::string topic() { return "rob.t" + std::to_string(rng_() % 3); }

    Request route_request() {
        const std::string n = connector_name(), p = pipeline_name();
        const std::string t = rng_() % 5 ? std::to_string(rng_() % 3) : pick(rng_, std::vector<std::string>{"-1", "x", "99999999", "%00", ""});
        static const std::vector<std::string> plugins = {"datagen", "blackhole", "file", "insert_field", "nope", "%ff", "a%2Fb"};
        const std::string plugin = pick(rng_, plugins);
        std::vector<std::pair<std::string, std::string>> routes = {
            {"GET", "/"},
            {"GET", "/health"},
            {"GET", "/metrics"},
            {"GET", "/connectors"},
            {"GET", "/connectors?expand=status&expand=info"},
            {"GET", "/connectors?expand=" + bad_name()},
            {"GET", "/connectors/" + n},
            {"DELETE", "/connectors/" + n},
            {"GET", "/connectors/" + n + "/config"},
            {"GET", "/connectors/" + n + "/status"},
            {"GET", "/connectors/" + n + "/tasks"},
            {"GET", "/connectors/" + n + "/tasks/" + t + "/status"},
            {"POST", "/connectors/" + n + "/tasks/" + t + "/restart"},
            {"POST", "/connectors/" + n + "/restart"},
            {"POST", "/connectors/" + n + "/restart?includeTasks=true&onlyFailed=" + (rng_() % 2 ? "true" : "maybe")},
            {"PUT", "/connectors/" + n + "/pause"},
            {"PUT", "/connectors/" + n + "/resume"},
            {"PUT", "/connectors/" + n + "/stop"},
            {"GET", "/connectors/" + n + "/offsets"},
            {"DELETE", "/connectors/" + n + "/offsets"},
            {"GET", "/connector-plugins"},
            {"GET", "/connector-plugins?connectorsOnly=" + pick(rng_, std::vector<std::string>{"false", "true", "%ff"})},
            {"GET", "/connector-plugins/" + plugin + "/config"},
            {"POST", "/connector-plugins/rescan"},
            {"GET", "/pipelines"},
            {"GET", "/pipelines/" + p},
            {"DELETE", "/pipelines/" + p},
            {"GET", "/" + bad_name()},
            {"GET", "/connectors/" + n + "/" + bad_name()},
            {"GET", "//connectors///" + n + "/"},
        };
        auto [method, target] = pick(rng_, routes);
        std::string body;
        if (method == "POST" || method == "PUT") body = rng_() % 2 ? "" : "{}";
        if (rng_() % 8 == 0) {
            body = "{\"offsets\":[{\"partition\":{\"kafka_topic\":\"" + topic() + "\",\"kafka_partition\":" + std::to_string(rng_() % 5) +
                   "},\"offset\":{\"kafka_offset\":" + std::to_string(rng_() % 100) + "}}]}";
            return {"route", http("PATCH", "/connectors/" + n + "/offsets", mutate_sometimes(body))};
        }
        return {"route", http(method, target, body)};
    }

    // A Connect configuration as JSON: datagen, blackhole or file, bounded.
    nlohmann::json base_config() {
        switch (rng_() % 3) {
        case 0:
            return {{"connector.class", "datagen"}, {"topic", topic()}, {"rate", "20"}, {"max.records", "200"},
                    {"sensors", "5"}, {"tasks.max", "1"}};
        case 1: return {{"connector.class", "blackhole"}, {"topics", topic() + "," + topic()}, {"report.interval.ms", "0"}};
        default:
            return {{"connector.class", "file"}, {"topics", topic()}, {"path", safe_path()}, {"format", "envelope"}};
        }
    }

    std::string safe_path() { return dir_ + "/out-" + std::to_string(rng_() % 4) + ".jsonl"; }

    // Keeps what a mutated configuration may create bounded: names, topics and paths from the
    // test's sets, rates and sizes small. Values referencing a provider are left as they are.
    void bound(nlohmann::json& config) {
        if (!config.is_object()) return;
        auto clamp = [&](const char* key, long lo, long hi) {
            auto it = config.find(key);
            if (it == config.end()) return;
            std::string text = it->is_string() ? it->get<std::string>() : it->dump();
            if (text.rfind("${", 0) == 0) return;
            char* end = nullptr;
            long v = std::strtol(text.c_str(), &end, 10);
            if (end == text.c_str()) return;  // not a number: refused by the worker
            *it = std::to_string(std::clamp(v, lo, hi));
        };
        clamp("rate", 1, 50);
        clamp("max.records", 1, 500);
        clamp("sensors", 1, 20);
        clamp("tasks.max", 1, 2);
        clamp("buffer.bytes", 0, 1 << 20);
        clamp("batch.size", 1, 1000);
        for (const char* key : {"topic", "topics"})
            if (config.contains(key)) config[key] = topic();
        if (config.contains("path") && !(config["path"].is_string() && config["path"].get<std::string>().rfind("${", 0) == 0))
            config["path"] = safe_path();
        if (config.contains("name")) config["name"] = "c" + std::to_string(rng_() % 6);
    }

    Request connector_config() {
        nlohmann::json config = base_config();
        const std::string name = connector_name();
        int form = static_cast<int>(rng_() % 3);
        std::string body = form == 0 ? "{\"name\":" + raw_json_string(name) + ",\"config\":" + config.dump() + "}" : config.dump();
        std::string mutated = mutate(body);
        // A mutation that still parses is bounded again (its structure stays mutated).
        auto parsed = nlohmann::json::parse(mutated, nullptr, false);
        if (!parsed.is_discarded() && parsed.is_object()) {
            if (form == 0 && parsed.contains("config")) bound(parsed["config"]);
            if (form != 0) bound(parsed);
            bool named = form == 0 && parsed.contains("name");
            if (named) parsed.erase("name");
            mutated = parsed.dump();
            if (named) mutated = "{\"name\":" + raw_json_string(name) + (parsed.empty() ? "" : "," + mutated.substr(1, mutated.size() - 2)) + "}";
        }
        switch (form) {
        case 0: return {"connector-create", http("POST", "/connectors", mutated)};
        case 1: return {"connector-put", http("PUT", "/connectors/" + name + "/config", mutated)};
        default:
            return {"connector-validate",
                    http("PUT", "/connector-plugins/" + pick(rng_, std::vector<std::string>{"datagen", "blackhole", "file"}) +
                                    "/config/validate",
                         mutated)};
        }
    }

    Request canary_config() {
        const std::string env = std::string("${env:") + kCanaryVar + "}";
        const std::string file = "${file:" + canary_file_ + ":canary}";
        const std::string ref = rng_() % 2 ? env : file;
        nlohmann::json config = base_config();
        static const std::vector<std::string> keys = {"rate", "start.time", "sensors", "path", "format", "report.interval.ms",
                                                      "topic", "bogus.key", "errors.tolerance"};
        config[pick(rng_, keys)] = rng_() % 3 ? ref : "x" + ref + "y";
        const std::string name = "c" + std::to_string(rng_() % 6);
        switch (rng_() % 4) {
        case 0: return {"canary", http("POST", "/connectors", nlohmann::json{{"name", name}, {"config", config}}.dump())};
        case 1: return {"canary", http("PUT", "/connectors/" + name + "/config", config.dump())};
        case 2:
            return {"canary", http("PUT", "/connector-plugins/" + config["connector.class"].get<std::string>() + "/config/validate",
                                   config.dump())};
        default: {
            const std::string p = "p" + std::to_string(rng_() % 3);
            std::string yaml = "name: " + p + "\nsource:\n  plugin: datagen\n  topic: " + topic() +
                               "\n  config:\n    rate: 7\n    max.records: 150\n    " +
                               pick(rng_, std::vector<std::string>{"start.time", "sensors", "seed", "unknown"}) + ": \"" + ref +
                               "\"\nsinks:\n  - plugin: blackhole\n";
            return {"canary", http("PUT", "/pipelines/" + p, yaml, "application/yaml")};
        }
        }
    }

    Request pipeline_yaml() {
        const std::string p = pipeline_name();
        std::string yaml = std::string(rng_() % 2 ? "name: " + p + "\n" : "") + "description: robustness\nsource:\n  name: gen\n"
                           "  plugin: datagen\n  topic: rob.p0\n  tasks: 1\n  config:\n    rate: 7\n    max.records: 150\n"
                           "    sensors: 3\n  errors: {tolerance: all}\nsinks:\n  - name: drop\n    plugin: blackhole\n"
                           "    config: {report.interval.ms: 0}\n";
        std::string mutated = mutate(yaml);
        // Bounded again: topics from the test's set, rates and counts small.
        static const std::regex topic_line("(^|\n)([ \t]*)topics?:[^\n]*");
        static const std::regex number_line("(^|\n)([ \t]*)(rate|max\\.records|sensors|tasks):[^\n]*");
        mutated = std::regex_replace(mutated, topic_line, "$1$2topic: rob.p" + std::to_string(rng_() % 3));
        mutated = std::regex_replace(mutated, number_line, "$1$2$3: 3");
        const std::string type = pick(rng_, std::vector<std::string>{"application/yaml", "application/yaml", "text/plain", "application/json", ""});
        return {"pipeline", http("PUT", "/pipelines/" + p, mutated, type)};
    }

    Request bad_json() {
        const std::string name = "c" + std::to_string(rng_() % 6);
        switch (rng_() % 6) {
        case 0:  // invalid UTF-8 in a name, a key, a value
            return {"bad-json", http("POST", "/connectors",
                                     pick(rng_, std::vector<std::string>{
                                                    "{\"name\":\"c\xff\",\"config\":{\"connector.class\":\"datagen\",\"topic\":\"rob.t0\"}}",
                                                    "{\"name\":\"c1\",\"config\":{\"connector.class\":\"datagen\",\"top\xc3\":\"rob.t0\"}}",
                                                    "{\"name\":\"c1\",\"config\":{\"connector.class\":\"data\xed\xa0\x80gen\",\"topic\":\"t\"}}",
                                                    "{\"name\":\"c1\",\"config\":{\"connector.class\":\"datagen\",\"topic\":\"rob.t0\",\"rate\":\"\xfe\xff\"}}"}))};
        case 1:  // invalid UTF-8 in a PUT config and a validation
            return {"bad-json", http("PUT", rng_() % 2 ? "/connectors/" + name + "/config" : "/connector-plugins/datagen/config/validate",
                                     "{\"connector.class\":\"datagen\",\"topic\":\"rob.t0\",\"start.time\":\"\x80\x81\"}")};
        case 2: {  // deep nesting, within the body limit
            size_t depth = 1000 + rng_() % 200000;
            return {"bad-json", http("POST", "/connectors", std::string(depth, '[') + std::string(rng_() % 2 ? depth : 0, ']'))};
        }
        case 3: {  // a huge value, within the body limit
            std::string big(600000 + rng_() % 300000, 'a');
            return {"bad-json", http("PUT", "/connectors/" + name + "/config",
                                     "{\"connector.class\":\"datagen\",\"topic\":\"rob.t0\",\"" + big.substr(0, 1000) + "\":\"" + big + "\"}")};
        }
        case 4:  // over the body limit: 413
            return {"oversize", http("PUT", "/connectors/" + name + "/config", std::string(1100000 + rng_() % 100000, ' ')), true, true};
        default:  // wrong media types, empty bodies, non-objects
            return {"bad-json", http(pick(rng_, std::vector<std::string>{"POST", "PUT"}),
                                     pick(rng_, std::vector<std::string>{"/connectors", "/connectors/" + name + "/config",
                                                                         "/connector-plugins/file/config/validate"}),
                                     pick(rng_, std::vector<std::string>{"", "[]", "null", "\"x\"", "{\"config\":7}", "{\"name\":1}", "1e999"}),
                                     pick(rng_, std::vector<std::string>{"application/json", "text/html", "application/JSON; charset=utf-8", ""}))};
        }
    }

    Request malformed() {
        switch (rng_() % 12) {
        case 0: {
            std::string garbage(1 + rng_() % 300, '\0');
            for (auto& c : garbage) c = static_cast<char>(rng_());
            return {"garbage", garbage, false, true};
        }
        case 1: return {"malformed", "GET /connectors HTTP/9.9\r\nHost: x\r\n\r\n", false};
        case 2: return {"malformed", "GET  HTTP/1.1\r\n\r\n", false};
        case 3: return {"malformed", "GET /connectors HTTP/1.1\r\nno colon here\r\n\r\n", false};
        case 4: return {"malformed", "GET /connectors HTTP/1.1\r\nX-Big: " + std::string(12000 + rng_() % 20000, 'b') + "\r\n\r\n", false};
        case 5:
            return {"malformed", "POST /connectors HTTP/1.1\r\nContent-Length: " +
                                     pick(rng_, std::vector<std::string>{"-1", "abc", "99999999999999999999", "1, 2", "0x10"}) + "\r\n\r\n{}",
                    false};
        case 6:
            return {"malformed", "PUT /connectors/c1/config HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                    false};
        case 7:
            return {"malformed", "PUT /connectors/c1/config HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                    false};
        case 8: return {"malformed", std::string("GET /conn\0ectors HTTP/1.1\r\n\r\n", 29), false};
        case 9: return {"odd-target", pick(rng_, std::vector<std::string>{"GET http://127.0.0.1/connectors HTTP/1.1\r\nHost: x\r\n\r\n",
                                                                          "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
                                                                          "GET /connectors HTTP/1.0\r\n\r\n",
                                                                          "CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n"}),
                        false};
        case 10: {  // a smaller Content-Length: the rest is read as the next request
            std::string body = "{\"connector.class\":\"blackhole\",\"topics\":\"rob.t1\"}";
            return {"short-length", "PUT /connectors/c2/config HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n" + body,
                    true, true};
        }
        default: return {"malformed", "GET /connectors HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", false};
        }
    }

    // A request cut short: the server waits for the rest, then sees the end of the stream.
    Request truncated() {
        Request r = connector_config();
        size_t keep = r.bytes.empty() ? 0 : rng_() % r.bytes.size();
        return {"truncated", r.bytes.substr(0, keep), false, true};
    }

    Request pipelined() {
        int n = 2 + static_cast<int>(rng_() % 3);
        std::string bytes;
        for (int i = 0; i < n; ++i) {
            const std::string name = "c" + std::to_string(rng_() % 6);
            bytes += http("GET", pick(rng_, std::vector<std::string>{"/connectors", "/connectors/" + name + "/status", "/health",
                                                                     "/connector-plugins", "/pipelines"}));
        }
        return {"pipelined", bytes, true, false, n};
    }

    Request random_method_and_headers() {
        std::string method;
        for (size_t i = 0, n = 1 + rng_() % 10; i < n; ++i) method.push_back(static_cast<char>('A' + rng_() % 26));
        if (rng_() % 2) method = pick(rng_, std::vector<std::string>{"HEAD", "OPTIONS", "TRACE", "get", "PUTS", "M-SEARCH"});
        std::string headers;
        for (size_t i = 0, n = rng_() % 6; i < n; ++i) {
            headers += pick(rng_, std::vector<std::string>{"X-A", "Accept", "Connection", "Expect", "Content-Encoding", "Cookie", "Range"});
            headers += ": ";
            headers += pick(rng_, std::vector<std::string>{"close", "keep-alive", "100-continue", "gzip", "*/*", "\xff\xfe", "bytes=0-1"});
            headers += "\r\n";
        }
        return {"random-method", http(method, pick(rng_, std::vector<std::string>{"/connectors", "/health", "/", "/pipelines/p0"}), "", "",
                                      headers)};
    }

    std::string mutate_sometimes(const std::string& s) { return rng_() % 2 ? s : mutate(s); }

    // Byte-level mutations, as a fuzzer makes them.
    std::string mutate(std::string s) {
        static const std::vector<std::string> tokens = {"\xff", "\xc3", "\\u0000", "\\ud800", "\"", "{", "}", "[", "]", ",", ":", "\0",
                                                        "${env:", "%ff", "\n  ", "- ", "&a", "*a", "!!binary ", "~", "99999999999999999999"};
        for (size_t i = 0, n = 1 + rng_() % 4; i < n && !s.empty(); ++i) {
            size_t at = rng_() % s.size();
            switch (rng_() % 6) {
            case 0: s[at] = static_cast<char>(s[at] ^ (1 << (rng_() % 8))); break;
            case 1: s[at] = static_cast<char>(rng_()); break;
            case 2: s.insert(at, pick(rng_, tokens)); break;
            case 3: s.erase(at, 1 + rng_() % 8); break;
            case 4: s.insert(at, s.substr(rng_() % s.size(), 1 + rng_() % 16)); break;
            default: s.resize(at); break;
            }
        }
        return s;
    }

    Rng rng_;
    std::string dir_;
    std::string canary_file_;
};

struct Target {
    uint16_t port = 0;
    int pid = 0;
    std::string canary;
};

void check_answer(const Request& r, const RawResponse& a, const Target& t, Findings& f) {
    const std::string shown = r.kind + ": " + escaped(r.bytes) + " -> ";
    if (!a.complete) {
        const bool closed = a.problem == "connection closed without an answer";
        if (r.answer_required || !closed) f.add(kWellFormed, shown + a.problem);
        return;
    }
    f.answered(r.kind, a.status);
    if (a.status == 500) f.add(kNo500, shown + "500 " + escaped(a.body));
    if (a.header("content-type").rfind("application/json", 0) == 0 && !a.body.empty() &&
        nlohmann::json::parse(a.body, nullptr, false).is_discarded())
        f.add(kJson, shown + std::to_string(a.status) + " " + escaped(a.body));
    if (auto at = a.body.find(t.canary); at != std::string::npos) {
        const size_t from = at > 200 ? at - 200 : 0;
        f.add(kCanary, shown + std::to_string(a.status) + " ..." + escaped(std::string_view(a.body).substr(from), at - from + t.canary.size() + 40));
    }
    for (const auto& [name, value] : a.headers)
        if (value.find(t.canary) != std::string::npos) f.add(kCanary, shown + "header " + name);
}

void send_one(const Request& r, const Target& t, Findings& f) {
    RawConnection conn(t.port);
    if (!conn.ok()) {
        f.add(kNoCrash, r.kind + ": cannot connect to the worker");
        return;
    }
    if (!conn.send(r.bytes) && r.answer_required && r.kind != "oversize") {
        f.add(kWellFormed, r.kind + ": connection closed while sending " + escaped(r.bytes));
        return;
    }
    if (r.close_write) conn.shutdown_write();
    std::string buffer;
    const auto deadline = Clock::now() + kAnswerDeadline;
    for (int i = 0; i < r.answers; ++i) {
        RawResponse a = read_response(conn, buffer, deadline);
        check_answer(r, a, t, f);
        if (!a.complete) break;
    }
}

// Connections that take a server slot and give nothing: idle ones, and ones sending a
// header one byte at a time. The server's read timeout (30 s) closes them; they reopen.
void hold_connections(const Target& t, const std::atomic<bool>& stop) {
    std::vector<std::unique_ptr<RawConnection>> idle, slow;
    std::vector<size_t> sent;
    const std::string header = "GET /connectors HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    while (!stop) {
        while (idle.size() < 32) idle.push_back(std::make_unique<RawConnection>(t.port));
        while (slow.size() < 16) {
            slow.push_back(std::make_unique<RawConnection>(t.port));
            sent.push_back(0);
        }
        for (size_t i = 0; i < slow.size(); ++i) {
            char next = sent[i] < header.size() ? header[sent[i]] : 'a';
            if (!slow[i]->ok() || !slow[i]->send(std::string_view(&next, 1))) {
                slow[i] = std::make_unique<RawConnection>(t.port);
                sent[i] = 0;
            } else {
                ++sent[i];
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the pace of a slowloris client, not a wait for a condition
    }
}

// What the worker logged for the requests it answered 500 ("ERROR [rest-N] REST <method>
// <target>: <exception>"), counted by exception kind: says which defect they come from.
std::string causes_of_500(const std::string& log) {
    static const std::regex line_re("ERROR \\[rest-[0-9]+\\] REST [^\n]*");
    static const std::regex kind_re("\\[json\\.exception\\.[a-z_]+\\.[0-9]+\\][^\n:]*");
    std::map<std::string, size_t> kinds;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line_re); it != std::sregex_iterator(); ++it) {
        const std::string line = it->str();
        std::smatch kind;
        ++kinds[std::regex_search(line, kind, kind_re) ? kind.str() : "other: " + escaped(line.substr(line.find("REST ")), 120)];
    }
    std::string out;
    for (const auto& [kind, n] : kinds) out += "\n  " + std::to_string(n) + " x " + kind;
    return out.empty() ? "\n  (none logged)" : out;
}

}  // namespace

TEST_CASE("rest robustness: a seeded random client cannot crash, stall, 500 or leak a secret from a worker") {
    const char* seconds_env = std::getenv("SLUICE_REST_ROBUSTNESS_SECONDS");
    const int seconds = seconds_env && *seconds_env ? std::atoi(seconds_env) : 40;
    const char* seed_env = std::getenv("SLUICE_REST_ROBUSTNESS_SEED");
    const uint64_t seed = seed_env && *seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
    std::cerr << "rest robustness: seed " << seed << " (SLUICE_REST_ROBUSTNESS_SEED=" << seed << " replays it), " << seconds
              << " s (SLUICE_REST_ROBUSTNESS_SECONDS)\n";
    MESSAGE("seed ", seed, ", ", seconds, " s");

    TempDir dir;
    Target t;
    {
        std::mt19937_64 token_rng(std::random_device{}());
        t.canary = "canary-" + std::to_string(token_rng()) + "-" + std::to_string(token_rng());
    }
    const std::string canary_file = dir.file("canary.properties");
    sluice::testing::write_file(canary_file, "canary=" + t.canary + "\n");
    sluice::testing::SpawnOptions spawn;
    spawn.env[kCanaryVar] = t.canary;
    RestWorker w(dir, write_rest_worker_file(dir), {}, spawn);
    t.port = static_cast<uint16_t>(std::stoi(w.base().substr(w.base().rfind(':') + 1)));
    t.pid = w.sluice().process().pid();

    Findings f;
    std::atomic<bool> stop{false};
    std::atomic<size_t> requests{0}, peak_rss{0}, probes{0};
    std::atomic<long long> slowest_health_ms{0};
    const auto end = Clock::now() + std::chrono::seconds(seconds);

    std::vector<std::thread> threads;
    for (int c = 0; c < 3; ++c)
        threads.emplace_back([&, c] {
            Generator g(seed * 31 + static_cast<uint64_t>(c), dir.path().string(), canary_file);
            while (Clock::now() < end) {
                send_one(g.next(), t, f);
                ++requests;
            }
        });
    threads.emplace_back([&] { hold_connections(t, stop); });
    threads.emplace_back([&] {  // the probe: /health and RSS, every 200 ms
        while (Clock::now() < end) {
            const auto started = Clock::now();
            RawConnection conn(t.port);
            std::string buffer;
            RawResponse a;
            if (conn.ok() && conn.send(http("GET", "/health"))) a = read_response(conn, buffer, started + std::chrono::seconds(10));
            const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
            slowest_health_ms = std::max<long long>(slowest_health_ms, took.count());
            if (!a.complete || a.status != 200 || took > kHealthLimit)
                f.add(kHealth, "GET /health -> " + (a.complete ? std::to_string(a.status) : a.problem) + " in " +
                                   std::to_string(took.count()) + " ms");
            ++probes;
            peak_rss = std::max(peak_rss.load(), rss_kib(t.pid));
            std::this_thread::sleep_until(started + std::chrono::milliseconds(200));
        }
    });
    for (size_t i : {0, 1, 2, 4}) threads[i].join();  // the clients and the probe end at `end`
    stop = true;
    threads[3].join();

    const bool alive = w.sluice().process().running();
    std::cerr << "rest robustness: " << requests << " requests, " << probes << " health probes (slowest "
              << slowest_health_ms << " ms), peak RSS " << peak_rss / 1024 << " MiB; answers by kind:" << f.summary() << "\n";
    MESSAGE(requests.load(), " requests, peak RSS ", peak_rss / 1024, " MiB, slowest /health ", slowest_health_ms.load(), " ms");
    CHECK_MESSAGE(alive, "the worker died: " << (w.sluice().process().status() ? w.sluice().process().status()->describe() : "")
                                             << "\nlog tail:\n" << w.sluice().log().substr(w.sluice().log().size() > 4000 ? w.sluice().log().size() - 4000 : 0));
    CHECK_MESSAGE(f.count(kNoCrash) == 0, kNoCrash << f.examples(kNoCrash));
    CHECK_MESSAGE(f.count(kHealth) == 0, f.count(kHealth) << " failed probes of " << probes.load() << f.examples(kHealth));
    CHECK_MESSAGE(f.count(kNo500) == 0, f.count(kNo500) << " answers were 500, e.g.:" << f.examples(kNo500)
                                                         << "\nthe worker logged for them:" << causes_of_500(w.sluice().log()));
    CHECK_MESSAGE(f.count(kWellFormed) == 0, f.count(kWellFormed) << " malformed or missing answers, e.g.:" << f.examples(kWellFormed));
    CHECK_MESSAGE(f.count(kJson) == 0, f.count(kJson) << " JSON answers were not JSON, e.g.:" << f.examples(kJson));
    CHECK_MESSAGE(f.count(kCanary) == 0, f.count(kCanary) << " answers showed the canary secret, e.g.:" << f.examples(kCanary));
    CHECK_MESSAGE(w.sluice().log().find(t.canary) == std::string::npos, "the worker's log shows the canary secret");
    CHECK_MESSAGE(peak_rss.load() <= kRssLimitKib, "peak RSS " << peak_rss / 1024 << " MiB over the bound of " << kRssLimitKib / 1024 << " MiB");
    if (alive) {
        auto health = w.get("/health");
        CHECK_MESSAGE(health.status == 200, "after the run: " << health.describe());
    }
}
