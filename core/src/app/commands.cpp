#include "app/commands.hpp"

#include "app/crash_report.hpp"
#include "app/plugin_path.hpp"
#include "app/rest_service.hpp"
#include "app/hangup.hpp"
#include "app/signals.hpp"
#include "cluster/coordinator.hpp"
#include "common/log.hpp"
#include "common/log_levels.hpp"
#include "common/text.hpp"
#include "config/isolation_config.hpp"
#include "config/pipeline_config.hpp"
#include "isolation/checks.hpp"
#include "rest/state_store.hpp"
#include "runtime/worker.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

namespace sluice::app {
namespace {

using Clock = std::chrono::steady_clock;

struct Setup {
    config::WorkerConfig worker;
    plugin::Registry registry;
    std::vector<std::string> plugin_dirs;
    std::vector<config::PipelineSpec> pipelines;
};

// Worker file, log level and plugins: what every command needs. Exit code on failure.
std::optional<int> prepare(const Options& o, Setup& s) {
    if (o.worker_file) {
        config::Diagnostics diags;
        auto w = config::load_worker_config(*o.worker_file, diags);
        if (!w) {
            std::cerr << diags.format() << "worker configuration " << *o.worker_file << " is invalid ("
                      << diags.size() << (diags.size() == 1 ? " error" : " errors") << ")\n";
            return kInvalidConfig;
        }
        s.worker = std::move(*w);
    } else {
        s.worker = config::default_worker_config();
    }
    std::string level = o.log_level.value_or(s.worker.log_level);
    auto parsed = log::parse_level(level);
    if (!parsed) {
        std::cerr << "--log-level: expected trace, debug, info, warn or error, got '" << level << "'\n";
        return kUsage;
    }
    log::set_level(*parsed);
    s.plugin_dirs = plugin_path(o.plugin_dirs, s.worker);
    // Refusals are listed by `plugins` and logged by scan; other commands go on without them.
    s.registry.scan(s.plugin_dirs);
    return std::nullopt;
}

std::optional<int> load_pipelines(const Options& o, Setup& s) {
    config::Diagnostics diags;
    // A connector whose plugin.isolation is process has its validate() run in a plugin host:
    // a plugin that crashes there is an error of its file, not the end of this process.
    const isolation::PipelineCatalog plugins(s.registry, s.worker.plugin_isolation, s.worker.worker_id);
    for (const auto& file : o.pipelines)
        if (auto p = config::load_pipeline(file, plugins, diags)) s.pipelines.push_back(std::move(*p));
    config::check_pipelines(s.pipelines, {s.worker.offsets_topic}, diags);
    config::check_exactly_once(s.pipelines, s.worker.exactly_once_source_support, diags);
    if (!diags.empty()) {
        std::cerr << diags.format();
        std::cerr << diags.size() << (diags.size() == 1 ? " error" : " errors") << " in the pipeline configuration\n";
        return kInvalidConfig;
    }
    return std::nullopt;
}

std::string describe(const config::ConnectorSpec& c) {
    std::string topics = text::join(c.topics, ", ");
    return c.name + ": " + std::string(config::kind_name(c.kind)) + " " + c.plugin +
           (c.kind == config::ConnectorKind::source ? " -> " : " <- ") + topics +
           (c.tasks > 1 ? " (" + std::to_string(c.tasks) + " tasks)" : "");
}

std::string shown_config(const config::Resolved& r) {
    std::string out;
    for (const auto& [key, value] : r) {
        if (!out.empty()) out += ", ";
        out += key + "=" + text::shown(value.display(), 80);
    }
    return "{" + out + "}";
}

std::optional<int> run_preflight(runtime::Worker& worker, const std::vector<config::PipelineSpec>& pipelines) {
    auto failures = worker.preflight(pipelines);
    if (failures.empty()) return std::nullopt;
    for (const auto& f : failures) std::cerr << "pre-flight check failed: " << f << "\n";
    std::cerr << failures.size() << (failures.size() == 1 ? " connector" : " connectors")
              << " failed the pre-flight check; nothing was started\n";
    return kPreflightFailed;
}

// Logs each busy task's counters since the last report.
class ProgressReporter {
public:
    void report(const std::vector<runtime::ConnectorReport>& reports, double seconds) {
        for (const auto& c : reports)
            for (const auto& t : c.tasks) {
                auto& last = last_[t.id];
                uint64_t delta = t.records_out - last.records_out;
                if (delta == 0 && t.records_in == last.records_in) continue;
                const bool source = c.kind == config::ConnectorKind::source;
                log::write(log::Level::info, t.id,
                           log::cat(source ? "polled " : "consumed ", t.records_in, source ? ", acknowledged by Kafka " : ", written ",
                                    t.records_out, " records (", static_cast<uint64_t>(static_cast<double>(delta) / seconds),
                                    "/s), ", t.commits, " offset commits",
                                    t.commit_failures ? log::cat(", ", t.commit_failures, " failed") : std::string()));
                last = t;
            }
    }

private:
    std::map<std::string, runtime::TaskReport> last_;
};

std::string markdown_cell(std::string text) {
    for (size_t pos = text.find('|'); pos != std::string::npos; pos = text.find('|', pos + 2)) text.replace(pos, 1, "\\|");
    return text;
}

// `prefix`: how REST flat maps spell the keys ("errors."); YAML nests them under its name.
void markdown_keys(std::ostream& out, const config::Schema& schema, const std::string& prefix = "") {
    if (schema.keys().empty()) {
        out << "No configuration.\n";
        return;
    }
    out << "| key | type | default | constraint | description |\n|---|---|---|---|---|\n";
    for (const auto& k : schema.keys()) {
        std::string def = k.required ? "required" : k.default_text ? "`" + *k.default_text + "`" : "";
        if (k.default_text && k.default_text->empty()) def = "`\"\"`";
        std::string type(config::type_name(k.type));
        if (k.secret) type += ", secret";
        std::string doc = k.doc;
        if (!k.aliases.empty()) doc += " Formerly `" + text::join(k.aliases, "`, `") + "` (deprecated, still accepted).";
        out << "| `" << prefix << k.name << "` | " << type << " | " << markdown_cell(def) << " | " << markdown_cell(k.constraint())
            << " | " << markdown_cell(doc) << " |\n";
    }
}

// The configuration reference: generated, so that it cannot drift from the declarations.
void print_reference(std::ostream& out, const std::vector<plugin::PluginPtr>& plugins) {
    out << "# Configuration reference\n\n"
           "Generated by `sluice plugins --markdown` from the declarations in the code (the worker's\n"
           "own keys and every plugin's); `scripts/gen-config-reference.sh` rewrites this file and a\n"
           "test fails when it is out of date. Nested YAML maps are the dotted spelling of a key.\n\n"
           "## Worker (`--worker FILE`)\n\n";
    markdown_keys(out, config::worker_schema());
    out << "\n## Every connector: error policy (`errors:` in YAML, `errors.*` over REST)\n\n"
           "See docs/error-handling.md.\n\n";
    markdown_keys(out, config::error_policy_schema(), "errors.");
    out << "\n## Every connector: restart policy (`restart:` in YAML, `restart.*` over REST)\n\n"
           "See docs/restart-policy.md.\n\n";
    markdown_keys(out, config::restart_policy_schema(), "restart.");
    out << "\n## Every source and sink connector\n\n"
           "Beside `plugin` in a pipeline file, beside `connector.class` over REST; unset, the worker's key of the same name "
           "applies (docs/plugin-isolation.md).\n\n";
    markdown_keys(out, config::connector_isolation_schema());
    out << "\n## Every source connector: exactly-once delivery\n\n"
           "Beside `plugin` in a pipeline file, beside `connector.class` over REST; transactions are used when the worker "
           "sets `exactly.once.source.support: enabled` (docs/exactly-once.md).\n\n";
    markdown_keys(out, config::exactly_once_schema());
    for (auto kind : {config::ConnectorKind::source, config::ConnectorKind::sink, config::ConnectorKind::transform,
                      config::ConnectorKind::predicate}) {
        for (const auto& p : plugins) {
            if (p->kind != kind) continue;
            std::string title(config::kind_name(kind));
            title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
            out << "\n## " << title << " `" << p->name << "` " << p->version << "\n\n";
            if (!p->description.empty()) out << p->description << (p->description.back() == '.' ? "\n\n" : ".\n\n");
            if (p->facts.max_tasks > 0) out << "Runs at most " << p->facts.max_tasks << (p->facts.max_tasks == 1 ? " task" : " tasks") << ".\n\n";
            markdown_keys(out, p->facts.schema);
        }
    }
}

bool every_connector_failed(const std::vector<runtime::ConnectorReport>& reports) {
    if (reports.empty()) return false;
    for (const auto& r : reports)
        if (r.state != runtime::TaskState::failed) return false;
    return true;
}

bool managed_over_rest(const runtime::Worker& worker) {
    for (const auto& e : worker.snapshot())
        if (e.definition.origin == runtime::Origin::rest) return true;
    return false;
}

}  // namespace

int plugins_command(const Options& o) {
    Setup s;
    if (auto code = prepare(o, s)) return *code;
    auto plugins = s.registry.all();
    auto refused = s.registry.refused();
    if (o.markdown) {
        print_reference(std::cout, plugins);
        return kOk;
    }
    if (o.json) {
        nlohmann::json out;
        out["plugin_path"] = s.plugin_dirs;
        out["plugins"] = nlohmann::json::array();
        for (const auto& p : plugins) {
            nlohmann::json keys = nlohmann::json::array();
            for (const auto& k : p->facts.schema.keys()) {
                nlohmann::json key = {{"name", k.name}, {"type", config::type_name(k.type)}, {"required", k.required},
                                      {"secret", k.secret}, {"doc", k.doc}};
                if (k.default_text) key["default"] = *k.default_text;
                if (k.min) key["min"] = *k.min;
                if (k.max) key["max"] = *k.max;
                if (!k.allowed.empty()) key["allowed"] = k.allowed;
                keys.push_back(key);
            }
            out["plugins"].push_back({{"kind", config::kind_name(p->kind)}, {"name", p->name}, {"version", p->version},
                                      {"description", p->description}, {"file", p->file}, {"sdk_version", p->sdk_version},
                                      {"max_tasks", p->facts.max_tasks}, {"config", keys}});
        }
        out["refused"] = nlohmann::json::array();
        for (const auto& r : refused) out["refused"].push_back({{"file", r.file}, {"reason", r.reason}});
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    std::cout << "Plugin path: " << text::join(s.plugin_dirs, ":") << "\n";
    if (plugins.empty()) std::cout << "\nNo plugins found.\n";
    for (const auto& p : plugins) {
        std::cout << "\n" << config::kind_name(p->kind) << " " << p->name << " " << p->version << "  ("
                  << std::filesystem::path(p->file).filename().string() << ")\n";
        if (!p->description.empty()) std::cout << "  " << p->description << "\n";
        if (p->facts.max_tasks > 0) std::cout << "  runs at most " << p->facts.max_tasks << (p->facts.max_tasks == 1 ? " task\n" : " tasks\n");
        for (const auto& k : p->facts.schema.keys()) {
            std::string attrs = std::string(config::type_name(k.type));
            if (k.required) attrs += ", required";
            if (k.default_text) attrs += ", default " + text::shown(*k.default_text);
            if (k.secret) attrs += ", secret";
            if (!k.constraint().empty()) attrs += ", " + k.constraint();
            if (!k.aliases.empty()) attrs += ", formerly " + text::join(k.aliases, ", ");
            std::cout << "    " << k.name << " (" << attrs << ")" << (k.doc.empty() ? "" : ": " + k.doc) << "\n";
        }
    }
    if (!refused.empty()) {
        std::cout << "\nRefused files:\n";
        for (const auto& r : refused) std::cout << "  " << r.file << ": " << r.reason << "\n";
    }
    return kOk;
}

int validate_command(const Options& o) {
    Setup s;
    if (auto code = prepare(o, s)) return *code;
    if (auto code = load_pipelines(o, s)) return *code;
    for (const auto& p : s.pipelines) {
        std::cout << p.file << ": valid\n";
        for (const auto& c : p.connectors) std::cout << "  " << describe(c) << "\n";
    }
    return kOk;
}

int check_command(const Options& o) {
    Setup s;
    if (auto code = prepare(o, s)) return *code;
    if (auto code = load_pipelines(o, s)) return *code;
    runtime::Worker worker(s.worker, s.registry);
    if (auto code = run_preflight(worker, s.pipelines)) return *code;
    for (const auto& p : s.pipelines)
        for (const auto& c : p.connectors) std::cout << "ok  " << describe(c) << "\n";
    return kOk;
}

int run_command(const Options& o) {
    StopSignals signals;  // before any thread exists
    install_crash_report();
    Setup s;
    if (auto code = prepare(o, s)) return *code;
    if (auto code = load_pipelines(o, s)) return *code;

    // The REST listener first: /health answers "starting" while Kafka is reached, and the
    // worker id (host:port) carries the port actually bound.
    std::unique_ptr<RestService> rest;
    if (!s.worker.rest_listener.empty()) {
        std::string error;
        bool security_error = false;
        rest = RestService::bind(s.worker.rest_listener, s.worker.rest_security, error, security_error);
        if (!rest && security_error) {
            log::error("REST API: ", error);
            return kInvalidConfig;  // never serve, nor run, with the listener's protection undone
        }
        if (!rest) {
            log::error("REST API: ", error);
            if (s.pipelines.empty()) return kRuntimeFailure;  // nothing else to do without it
            log::error("running the command-line pipelines without the REST API");
        } else {
            s.worker.rest_listener = rest->address();
            if (o.rest_port_file) {
                std::string tmp = *o.rest_port_file + ".tmp";
                if (FILE* f = std::fopen(tmp.c_str(), "w")) {
                    std::fprintf(f, "%u\n", static_cast<unsigned>(rest->port()));
                    std::fclose(f);
                    std::rename(tmp.c_str(), o.rest_port_file->c_str());
                } else {
                    log::error("cannot write --rest-port-file ", *o.rest_port_file);
                }
            }
        }
    }

    HangupWatcher hangup([&rest] {
        if (rest) rest->reload();
        else log::info("SIGHUP: nothing to reload");
    });
    auto worker = std::make_unique<runtime::Worker>(s.worker, s.registry);
    if (auto code = run_preflight(*worker, s.pipelines)) return *code;
    const bool clustered = s.worker.cluster.enabled();
    std::unique_ptr<cluster::Coordinator> coordinator;
    if (rest) {
        rest::ApiOptions api;
        api.plugin_dirs = s.plugin_dirs;
        // A cluster keeps its connectors in its config topic; standalone, a file beside the worker file.
        if (o.worker_file && !s.worker.cluster.enabled()) api.state_file = rest::state_file_for(*o.worker_file);
        // Metrics: the REST API's only link to them.
        runtime::Worker* w = worker.get();
        api.metrics_text = [w] { return w->metrics().serialize(); };
        api.metrics_content_type = metrics::Metrics::content_type;
        api.observe = [w](std::string_view route, std::string_view method, int status, double seconds) {
            w->metrics().observe_rest_request(route, method, status, seconds);
        };
        // A cluster-scoped log level goes through the config topic to every worker.
        if (clustered)
            api.apply_logger_on_cluster = [&coordinator](const std::string& logger, const std::string& level) {
                coordinator->put_logger(logger, level);
            };
        rest->attach(*worker, s.registry, std::move(api));
    }
    // Distributed mode: the cluster drives this worker's control plane (the REST API's, or one
    // of its own when the worker serves no REST).
    std::unique_ptr<control::ControlPlane> own_control;
    if (clustered) {
        control::ControlPlane* control = rest ? &rest->api()->control() : nullptr;
        if (!control) {
            own_control = std::make_unique<control::ControlPlane>(*worker, s.registry, config::rest_access_policy(s.worker));
            control = own_control.get();
        }
        coordinator = std::make_unique<cluster::Coordinator>(*worker, *control);
        coordinator->on_logger([](const std::string& logger, const std::string& level) {
            std::string error;
            auto parsed = log::parse_level(level);
            if (!parsed || !log::set_logger_level(logger, *parsed, error))
                log::warn("cluster: log level ", level, " for logger ", logger, " not applied: ", parsed ? error : "unknown level");
            else
                log::info("cluster: logger ", logger, " set to ", level);
        });
    }
    std::string error;
    if (!worker->start(error)) {
        log::error("cannot start the worker: ", error);
        return kRuntimeFailure;
    }
    for (const auto& p : s.pipelines)
        for (const auto& c : p.connectors) log::info("connector ", describe(c), ", config ", shown_config(c.config));
    if (clustered) {
        if (!coordinator->start(error) || !coordinator->submit(s.pipelines, error)) {
            log::error("cannot join the cluster ", s.worker.cluster.group_id, ": ", error);
            return kRuntimeFailure;
        }
    } else if (!worker->launch(s.pipelines, error)) {
        log::error("cannot start the connectors: ", error);
        return kRuntimeFailure;
    }
    if (rest) rest->api()->restore();
    if (!s.pipelines.empty())
        log::info("running ", s.pipelines.size(), s.pipelines.size() == 1 ? " pipeline" : " pipelines",
                  "; stop with Ctrl-C or SIGTERM");
    else
        log::info("running; connectors are managed over the REST API; stop with Ctrl-C or SIGTERM");

    ProgressReporter progress;
    const auto progress_interval = std::chrono::milliseconds(s.worker.log_progress_interval_ms);
    auto last_progress = Clock::now();
    int exit_code = kOk;
    std::optional<int> signal;
    while (!signal) {
        signal = signals.wait(std::chrono::milliseconds(200));
        if (signal) break;
        auto reports = worker->reports();
        // A worker run for command-line pipelines ends when all of them failed; one managed
        // over REST stays up (its connectors can be fixed and restarted).
        if (!clustered && !s.pipelines.empty() && every_connector_failed(reports) && !managed_over_rest(*worker)) {
            log::error("every connector has failed; stopping the worker");
            exit_code = kRuntimeFailure;
            break;
        }
        if (progress_interval.count() > 0 && Clock::now() - last_progress >= progress_interval) {
            progress.report(reports, std::chrono::duration<double>(Clock::now() - last_progress).count());
            last_progress = Clock::now();
        }
    }

    if (signal)
        log::info("received ", *signal == SIGINT ? "SIGINT" : "SIGTERM",
                  ": stopping gracefully (draining, flushing, committing); send it again to exit at once");
    const auto deadline = Clock::now() + std::chrono::milliseconds(s.worker.shutdown_timeout_ms + 2000);
    std::atomic<bool> stopped{false};
    bool finished_in_time = false;
    std::thread stopper([&] {
        worker->request_stop();
        finished_in_time = worker->wait(deadline);
        stopped = true;
    });
    while (!stopped) {
        if (auto again = signals.wait(std::chrono::milliseconds(100))) {
            log::warn("second signal: exiting at once, without the final flush and commit");
            _exit(128 + *again);
        }
    }
    stopper.join();
    // The tasks have ended: only now may the slots go to other workers.
    if (coordinator) coordinator->stop();
    if (!finished_in_time) {
        log::error("some tasks did not stop within shutdown.timeout.ms; exiting without their final commit");
        _exit(kRuntimeFailure);
    }
    for (const auto& r : worker->reports())
        for (const auto& t : r.tasks)
            if (t.status.state == runtime::TaskState::failed) {
                log::write(log::Level::error, t.id, "ended FAILED: " + t.status.trace);
                exit_code = kRuntimeFailure;
            }
    if (rest) rest->stop();  // no request touches the worker from here on
    worker.reset();
    log::info("stopped", exit_code == kOk ? "" : " with failures");
    return exit_code;
}

}  // namespace sluice::app
