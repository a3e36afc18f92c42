#include "rest_robustness_requests.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <random>
#include <regex>
#include <vector>

namespace sluice::it {

namespace {

using Rng = std::mt19937_64;

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

}  // namespace

std::string escaped(std::string_view s, size_t max) {
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

std::string http(const std::string& method, const std::string& target, const std::string& body, const std::string& type,
                 const std::string& extra_headers) {
    std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        if (!type.empty()) out += "Content-Type: " + type + "\r\n";
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    return out + "\r\n" + body;
}

struct RequestGenerator::Impl {
    Impl(uint64_t seed, const std::string& dir, const std::string& canary_file)
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

RequestGenerator::RequestGenerator(uint64_t seed, const std::string& dir, const std::string& canary_file)
    : impl_(std::make_unique<Impl>(seed, dir, canary_file)) {}
RequestGenerator::~RequestGenerator() = default;
Request RequestGenerator::next() { return impl_->next(); }

}  // namespace sluice::it
