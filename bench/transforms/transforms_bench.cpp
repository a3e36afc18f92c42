// sluice-transforms-bench: cost of a 5-transform chain per record, parse and serialisation
// included, over the real Bordeaux ci_trafi_l records, against this machine's limits measured
// in the same run (memcpy of the same bytes, simdjson DOM parse of the same records).
//
// The chain is loaded from the real plugin .so (dlopen + sluice_plugin_manifest) and driven
// through the C ABI exactly as the worker's chain executor does: one sluice_transform_record
// per record, each transform's apply(), the predicate before the filter, then one serialize()
// of the attached document, a copy of the result (the worker copies the final record) and
// release(). Single thread: the figures are per core.
//
// A reference implementation of the same chain with nlohmann_json, parsing and serialising in
// every transform (what a naive plugin does), is measured too: the "before" figure.
#include "fixture_records.hpp"

#include <sluice/abi.h>

#include <dlfcn.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// CPU time of this thread, not wall time: on a shared machine the wall clock also counts the
// time slices other processes get, while the question is what one core spends per record.
struct Clock {
    using time_point = std::chrono::duration<double>;
    static time_point now() {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return time_point(static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9);
    }
};

struct Options {
    std::string plugin_dir;
    std::string fixtures;
    int runs = 7;
    std::size_t copies = 40;  // the 694 records repeated: ~16 MB, well past the caches
    bool chain_only = false;  // for profiling: measure the chain alone
};

[[noreturn]] void die(const std::string& m) {
    std::fprintf(stderr, "sluice-transforms-bench: %s\n", m.c_str());
    std::exit(2);
}

// ---- the plugin, through the ABI ---------------------------------------------------------

struct Config {
    std::vector<std::string> keys, texts, jsons;
    std::vector<std::vector<std::string>> items;
    std::vector<std::vector<const char*>> item_ptrs;
    std::vector<sluice_config_value> values;
    std::vector<const sluice_config_value*> ptrs;
    sluice_config config{};
};

// Builds a resolved config the way the worker does (declared defaults applied, lists split).
std::unique_ptr<Config> make_config(const sluice_plugin_descriptor& d, const std::map<std::string, std::string>& given) {
    auto c = std::make_unique<Config>();
    const std::size_t n = d.config_count;
    c->keys.resize(n);
    c->texts.resize(n);
    c->jsons.resize(n);
    c->items.resize(n);
    c->item_ptrs.resize(n);
    c->values.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const sluice_config_def* def = d.config[i];
        c->keys[i] = def->name;
        auto it = given.find(def->name);
        bool set = it != given.end() || def->default_value != nullptr;
        std::string text = it != given.end() ? it->second : def->default_value ? def->default_value : "";
        c->texts[i] = text;
        if (def->type == SLUICE_CONFIG_LIST && set && !text.empty()) {
            std::size_t start = 0;
            while (true) {
                auto comma = text.find(',', start);
                c->items[i].push_back(text.substr(start, comma - start));
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
        for (auto& s : c->items[i]) c->item_ptrs[i].push_back(s.c_str());
        c->jsons[i] = set ? "\"" + text + "\"" : "null";
        sluice_config_value& v = c->values[i];
        v.key = c->keys[i].c_str();
        v.text = set ? c->texts[i].c_str() : nullptr;
        v.items = c->item_ptrs[i].empty() ? nullptr : c->item_ptrs[i].data();
        v.item_count = c->item_ptrs[i].size();
        v.json = c->jsons[i].c_str();
    }
    for (auto& v : c->values) c->ptrs.push_back(&v);
    c->config.values = c->ptrs.data();
    c->config.count = c->ptrs.size();
    return c;
}

struct Plugin {
    const sluice_manifest* manifest = nullptr;
    const sluice_plugin_descriptor& find(sluice_plugin_kind kind, const std::string& name) const {
        for (std::size_t i = 0; i < manifest->plugin_count; ++i)
            if (manifest->plugins[i]->kind == kind && name == manifest->plugins[i]->name) return *manifest->plugins[i];
        die("no plugin " + name);
    }
};

Plugin load_plugin(const std::string& dir) {
    std::string path = dir + "/sluice_transform_standard.so";
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) die(std::string("cannot load ") + path + ": " + dlerror());
    auto fn = reinterpret_cast<sluice_manifest_fn>(dlsym(handle, SLUICE_MANIFEST_SYMBOL));
    if (fn == nullptr) die("no manifest in " + path);
    Plugin p;
    p.manifest = fn(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
    return p;
}

sluice_host bench_host() {
    sluice_host h{};
    h.worker_id = "bench";
    h.connector = "bench";
    h.plugin = "bench";
    h.task_count = 1;
    h.log = [](void*, sluice_log_level, const char*, size_t) {};
    return h;
}

struct Step {
    const sluice_transform_vtable* vt = nullptr;
    void* instance = nullptr;
    std::unique_ptr<Config> config;
};

struct Chain {
    sluice_host host = bench_host();
    std::vector<Step> transforms;
    const sluice_predicate_vtable* pred_vt = nullptr;
    void* pred = nullptr;
    std::unique_ptr<Config> pred_config;
    Step filter;
};

Step make_transform(const Plugin& p, const sluice_host& host, const std::string& name, std::map<std::string, std::string> cfg) {
    const auto& d = p.find(SLUICE_KIND_TRANSFORM, name);
    Step s;
    s.vt = static_cast<const sluice_transform_vtable*>(d.vtable);
    s.config = make_config(d, cfg);
    char msg[512] = {0};
    sluice_error err{msg, sizeof msg, -1};
    if (s.vt->create(&host, &s.config->config, &s.instance, &err) != SLUICE_OK) die(name + ": " + msg);
    return s;
}

// The pipeline of docs/transforms.md's bench section.
std::unique_ptr<Chain> make_chain(const Plugin& p) {
    auto c = std::make_unique<Chain>();
    c->transforms.push_back(make_transform(p, c->host, "geo_point", {}));
    c->transforms.push_back(make_transform(p, c->host, "traffic_status", {}));
    c->transforms.push_back(make_transform(p, c->host, "replace_field",
                                           {{"exclude", "geo_shape,geo_point_2d,gml_id,cdate"}, {"renames", "etat:etat_source,mdate:updated_at"}}));
    c->transforms.push_back(make_transform(p, c->host, "timestamp_converter", {{"field", "updated_at"}, {"target.type", "unix"}}));
    const auto& pd = p.find(SLUICE_KIND_PREDICATE, "field_matches");
    c->pred_vt = static_cast<const sluice_predicate_vtable*>(pd.vtable);
    c->pred_config = make_config(pd, {{"field", "traffic_status"}, {"value", "unknown"}});
    char msg[512] = {0};
    sluice_error err{msg, sizeof msg, -1};
    if (c->pred_vt->create(&c->host, &c->pred_config->config, &c->pred, &err) != SLUICE_OK) die(std::string("field_matches: ") + msg);
    c->filter = make_transform(p, c->host, "filter", {});
    return c;
}

// ---- records -----------------------------------------------------------------------------

struct Corpus {
    std::string bytes;                          // every record, each followed by simdjson padding
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset, size
    std::size_t payload = 0;                    // sum of record sizes
};

Corpus make_corpus(const std::vector<std::string>& records, std::size_t copies) {
    Corpus c;
    for (std::size_t k = 0; k < copies; ++k)
        for (const auto& r : records) {
            c.spans.emplace_back(c.bytes.size(), r.size());
            c.bytes += r;
            c.bytes.append(simdjson::SIMDJSON_PADDING, ' ');
            c.payload += r.size();
        }
    return c;
}

// ---- the measured loops --------------------------------------------------------------------

struct Result {
    double seconds = 0;
    std::size_t kept = 0;
    std::size_t out_bytes = 0;
};

Result run_chain(Chain& chain, const Corpus& corpus, std::string& out) {
    char msg[512];
    sluice_error err{msg, sizeof msg, -1};
    Result res;
    auto t0 = Clock::now();
    for (auto [off, size] : corpus.spans) {
        sluice_transform_record rec{};
        rec.value = {corpus.bytes.data() + off, size};
        rec.timestamp_ms = SLUICE_NO_TIMESTAMP;
        rec.topic = {"traffic.bordeaux", 16};
        rec.partition = SLUICE_ANY_PARTITION;
        rec.offset = -1;
        rec.is_source = 1;
        int32_t keep = 1;
        bool failed = false;
        for (auto& s : chain.transforms) {
            if (s.vt->apply(s.instance, &rec, &keep, &err) != SLUICE_OK) {
                failed = true;
                break;
            }
        }
        if (failed) die(std::string("chain failed: ") + msg);
        int32_t matched = 0;
        if (chain.pred_vt->test(chain.pred, &rec, &matched, &err) != SLUICE_OK) die(std::string("predicate failed: ") + msg);
        if (matched != 0) chain.filter.vt->apply(chain.filter.instance, &rec, &keep, &err);
        if (keep != 0) {
            sluice_bytes text = rec.value;
            if (rec.value_doc.handle != nullptr) rec.value_doc.serialize(rec.value_doc.handle, &text);
            out.assign(text.data, text.size);  // the worker copies the final record
            res.out_bytes += out.size();
            ++res.kept;
        }
        if (rec.value_doc.handle != nullptr) rec.value_doc.release(rec.value_doc.handle);
    }
    res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return res;
}

Result run_memcpy(const Corpus& corpus, std::string& out) {
    Result res;
    auto t0 = Clock::now();
    for (auto [off, size] : corpus.spans) {
        out.assign(corpus.bytes.data() + off, size);
        res.out_bytes += out.size();
    }
    res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return res;
}

Result run_simdjson(const Corpus& corpus) {
    simdjson::dom::parser parser;
    Result res;
    auto t0 = Clock::now();
    for (auto [off, size] : corpus.spans) {
        simdjson::dom::element e;
        if (parser.parse(corpus.bytes.data() + off, size, false).get(e) != simdjson::SUCCESS) die("simdjson refused a record");
        ++res.kept;
    }
    res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return res;
}

// The same chain written the naive way: every transform parses the text and dumps it again.
Result run_nlohmann(const Corpus& corpus, std::string& out) {
    using nlohmann::json;
    static const std::map<std::string, std::pair<std::string, int>> statuses = {
        {"FLUIDE", {"free", 0}}, {"DENSE", {"dense", 1}}, {"EMBOUTEILLE", {"congested", 2}}, {"INCONNU", {"unknown", -1}}};
    Result res;
    auto t0 = Clock::now();
    for (auto [off, size] : corpus.spans) {
        std::string text(corpus.bytes.data() + off, size);
        json v = json::parse(text);  // geo_point
        v["lat"] = v["geo_point_2d"]["lat"];
        v["lon"] = v["geo_point_2d"]["lon"];
        text = v.dump();
        v = json::parse(text);  // traffic_status
        const auto& s = statuses.at(v["etat"].get<std::string>());
        v["traffic_status"] = s.first;
        v["congestion_level"] = s.second < 0 ? json(nullptr) : json(s.second);
        text = v.dump();
        v = json::parse(text);  // replace_field
        for (const char* f : {"geo_shape", "geo_point_2d", "gml_id", "cdate"}) v.erase(f);
        v["etat_source"] = v["etat"];
        v.erase("etat");
        v["updated_at"] = v["mdate"];
        v.erase("mdate");
        text = v.dump();
        v = json::parse(text);  // timestamp_converter (fixed +00:00 offset in this data)
        std::string iso = v["updated_at"];
        std::tm tm{};
        std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        v["updated_at"] = static_cast<long long>(timegm(&tm)) * 1000;
        text = v.dump();
        v = json::parse(text);  // predicate + filter
        if (v["traffic_status"] == "unknown") continue;
        out = v.dump();
        res.out_bytes += out.size();
        ++res.kept;
    }
    res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return res;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    o.plugin_dir = SLUICE_BENCH_PLUGIN_DIR;
    o.fixtures = SLUICE_FIXTURES_DIR;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value after " + a);
            return argv[++i];
        };
        if (a == "--runs") o.runs = std::stoi(next());
        else if (a == "--copies") o.copies = std::stoul(next());
        else if (a == "--plugin-dir") o.plugin_dir = next();
        else if (a == "--fixtures") o.fixtures = next();
        else if (a == "--chain-only") o.chain_only = true;
        else if (a == "--help") {
            std::printf("usage: sluice-transforms-bench [--runs N (7)] [--copies N (40)] [--plugin-dir DIR] [--fixtures DIR] [--chain-only]\n");
            return 0;
        } else die("unknown option " + a);
    }
    auto table = sluice::testing::read_csv(o.fixtures + "/bordeaux/ci_trafi_l/ci_trafi_l_snapshot_2025-12-18T085050Z.csv", ';');
    auto records = sluice::testing::table_to_json(table, sluice::testing::bordeaux_ci_trafi_l_layout());
    Corpus corpus = make_corpus(records, o.copies);
    const double n = static_cast<double>(corpus.spans.size());
    const double mb = static_cast<double>(corpus.payload) / 1e6;
    std::printf("simdjson implementation: %s; times are this thread's CPU time\n",
                simdjson::get_active_implementation()->name().c_str());
    std::printf("corpus: %zu Bordeaux ci_trafi_l records x %zu = %zu records, %.1f MB (mean %.0f B/record)\n", records.size(),
                o.copies, corpus.spans.size(), mb, static_cast<double>(corpus.payload) / n);

    Plugin plugin = load_plugin(o.plugin_dir);
    auto chain = make_chain(plugin);
    std::string out;
    out.reserve(1 << 16);

    std::map<std::string, std::vector<double>> secs;
    std::size_t kept = 0;
    for (int run = 0; run <= o.runs; ++run) {  // run 0 warms up and is not counted
        Result c = run_chain(*chain, corpus, out);
        if (o.chain_only) {
            std::printf("run %d: chain %.1f MB/s (%.0f ns/record)\n", run, mb / c.seconds, c.seconds * 1e9 / n);
            continue;
        }
        Result m = run_memcpy(corpus, out);
        Result s = run_simdjson(corpus);
        Result j = run % 3 == 0 || run == 1 ? run_nlohmann(corpus, out) : Result{};  // slow: fewer runs
        if (run == 0) {
            kept = c.kept;
            if (j.kept != c.kept) die("the nlohmann reference kept " + std::to_string(j.kept) + " records, the chain " + std::to_string(c.kept));
            continue;
        }
        secs["memcpy"].push_back(m.seconds);
        secs["simdjson"].push_back(s.seconds);
        secs["chain"].push_back(c.seconds);
        if (j.seconds > 0) secs["nlohmann"].push_back(j.seconds);
        std::printf("run %d: memcpy %.1f MB/s, simdjson parse %.1f MB/s, chain %.1f MB/s (%.0f ns/record), nlohmann %s\n", run,
                    mb / m.seconds, mb / s.seconds, mb / c.seconds, c.seconds * 1e9 / n,
                    j.seconds > 0 ? (std::to_string(static_cast<int>(mb / j.seconds)) + " MB/s").c_str() : "-");
    }
    if (o.chain_only) return 0;
    auto line = [&](const char* name, const std::string& key) {
        double t = median(secs[key]);
        double lo = *std::min_element(secs[key].begin(), secs[key].end());
        double hi = *std::max_element(secs[key].begin(), secs[key].end());
        std::printf("  %-34s %8.1f MB/s  %7.0f ns/record  (range %.1f-%.1f MB/s, %zu runs)\n", name, mb / t, t * 1e9 / n, mb / hi,
                    mb / lo, secs[key].size());
    };
    std::printf("\nmedians (input bytes / time, one core):\n");
    line("memcpy of each record", "memcpy");
    line("simdjson DOM parse only", "simdjson");
    line("5-transform chain (parse+serialise)", "chain");
    line("same chain, nlohmann per transform", "nlohmann");
    const double chain_s = median(secs["chain"]);
    std::printf("\nchain speed / simdjson parse speed = %.2f, chain / memcpy = %.3f, chain vs nlohmann = %.1fx faster; "
                "kept %zu of %zu records (unknown status filtered)\n",
                median(secs["simdjson"]) / chain_s, median(secs["memcpy"]) / chain_s, median(secs["nlohmann"]) / chain_s, kept,
                corpus.spans.size());
    std::printf("goal: >= 400 MB/s per core for the chain: %s\n", mb / chain_s >= 400 ? "met" : "NOT met");
    return 0;
}
