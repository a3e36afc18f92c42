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
#include "rest_robustness_requests.hpp"

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

namespace {

// Measured peaks: 46 MiB in a 40 s run (2 300 requests), 66 MiB in 300 s (28 000 requests).
// The bound leaves room for the embedded cluster's topics and slower machines, and still
// catches growth per request (a made-up method per request once grew RSS ~1 KiB each).
constexpr size_t kRssLimitKib = 300 * 1024;
constexpr auto kHealthLimit = std::chrono::milliseconds(2000);
constexpr auto kAnswerDeadline = std::chrono::seconds(60);  // a sink offset change waits for its group (~3-5 s each, one at a time)

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
        // A slowloris client's pace: a byte per connection every 500 ms, until told to stop.
        sluice::testing::wait_until([&] { return stop.load(); }, std::chrono::milliseconds(500), std::chrono::milliseconds(50));
    }
}

// What the worker logged for the requests it answered 500 ("ERROR [rest/N] REST <method>
// <target>: <exception>"), counted by exception kind: says which defect they come from.
std::string causes_of_500(const std::string& log) {
    static const std::regex line_re("ERROR \\[rest/[0-9]+\\] REST [^\n]*");
    static const std::regex kind_re("\\[json\\.exception\\.[a-z_]+\\.[0-9]+\\][a-zA-Z0-9 _-]*?(?= at |:|$)");
    std::map<std::string, std::pair<size_t, std::string>> kinds;  // kind -> count, first request
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line_re); it != std::sregex_iterator(); ++it) {
        const std::string line = it->str();
        std::smatch kind;
        auto& entry = kinds[std::regex_search(line, kind, kind_re) ? kind.str() : "another exception"];
        if (entry.first++ == 0) entry.second = escaped(line.substr(line.find("REST ")), 160);
    }
    std::string out;
    for (const auto& [kind, seen] : kinds) out += "\n  " + std::to_string(seen.first) + " x " + kind + ", e.g. " + seen.second;
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
            RequestGenerator g(seed * 31 + static_cast<uint64_t>(c), dir.path().string(), canary_file);
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
