#include "app/options.hpp"

#include "common/text.hpp"

namespace sluice::app {

std::optional<Options> parse_options(const std::vector<std::string>& args, std::string& error) {
    Options o;
    if (args.empty()) return o;
    size_t i = 0;
    const std::string& first = args[0];
    if (first == "run") o.command = Command::run;
    else if (first == "validate") o.command = Command::validate;
    else if (first == "check") o.command = Command::check;
    else if (first == "plugins") o.command = Command::plugins;
    else if (first == "help" || first == "--help" || first == "-h") return o;
    else if (first == "version" || first == "--version" || first == "-V") {
        o.command = Command::version;
        return o;
    } else {
        error = "unknown command '" + first + "' (commands: run, validate, check, plugins, passwd, tap; see sluice --help)";
        return std::nullopt;
    }
    for (i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::optional<std::string>& into) -> bool {
            std::string name = a;
            if (auto eq = a.find('='); eq != std::string::npos) {
                into = a.substr(eq + 1);
                return true;
            }
            if (i + 1 >= args.size()) {
                error = name + " needs a value";
                return false;
            }
            into = args[++i];
            return true;
        };
        auto is = [&](const char* flag) { return a == flag || a.rfind(std::string(flag) + "=", 0) == 0; };
        if (a == "--help" || a == "-h") {
            o.command = Command::help;
            return o;
        } else if (is("--worker") || a == "-w") {
            if (!value(o.worker_file)) return std::nullopt;
        } else if (is("--plugin-dir")) {
            std::optional<std::string> dirs;
            if (!value(dirs)) return std::nullopt;
            for (auto& d : text::split(*dirs, ':'))
                if (!d.empty()) o.plugin_dirs.push_back(d);
        } else if (is("--rest-port-file")) {
            if (!value(o.rest_port_file)) return std::nullopt;
        } else if (is("--log-level")) {
            if (!value(o.log_level)) return std::nullopt;
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--markdown") {
            o.markdown = true;
        } else if (!a.empty() && a[0] == '-') {
            error = "unknown option '" + a + "' for " + first;
            return std::nullopt;
        } else {
            o.pipelines.push_back(a);
        }
    }
    if ((o.command == Command::validate || o.command == Command::check) && o.pipelines.empty()) {
        error = first + " needs at least one PIPELINE.yaml";
        return std::nullopt;
    }
    if (o.command == Command::plugins && !o.pipelines.empty()) {
        error = "plugins takes no pipeline files";
        return std::nullopt;
    }
    return o;
}

std::string help_text() {
    return R"(sluice: a connector runtime. Moves records from sources through Kafka into sinks,
with source offsets and sink progress kept in Kafka.

Usage:
  sluice run [--worker FILE] [--plugin-dir DIR] [--log-level L] [--rest-port-file F] [PIPELINE.yaml...]
      Validate, run each connector's pre-flight check, then run until SIGINT/SIGTERM.
      The REST admin API (Kafka Connect's endpoints, docs/rest-api.md) listens on
      rest.listener (default 127.0.0.1:8083; "" turns it off); without pipelines the
      worker runs only what is created over REST (kept in <worker>.connectors.json
      next to the worker file). --rest-port-file F: write the bound port to F.
      The first signal stops gracefully: sources stop polling, in-flight records are
      acknowledged, sinks flush, offsets are committed, exit 0. A second signal exits
      at once.
  sluice validate [--worker FILE] [--plugin-dir DIR] PIPELINE.yaml...
      Check the files against every plugin's declared configuration. Prints every
      error (file:line:col: key: what was expected). Exit 0 when all are valid.
  sluice check [--worker FILE] [--plugin-dir DIR] PIPELINE.yaml...
      validate, then each plugin's pre-flight check (input readable, upstream
      reachable...) without starting anything.
  sluice plugins [--worker FILE] [--plugin-dir DIR] [--json | --markdown]
      Every plugin found (kind, name, version, config keys) and every refused file
      with the reason. --markdown prints the configuration reference (worker keys and
      every plugin's keys), as in docs/config-reference.md.
  sluice passwd [--role viewer|admin] [--file USERS_FILE] USER
      Reads USER's password from standard input and writes its line of the users
      file of rest.auth basic (salted PBKDF2-SHA256 hash); see docs/security.md.
  sluice tap CONNECTOR [--url URL] [--sample S] [--max-rate N] [--limit N] [--cacert F]
      The connector's live records from a running worker, one JSON object per line
      (credentials from SLUICE_REST_TOKEN, or SLUICE_REST_USER and SLUICE_REST_PASSWORD).
  sluice --version | --help

Options:
  --worker FILE      worker configuration (see configs/worker.yaml). Without it: the
                     embedded in-memory Kafka cluster and every default.
  --plugin-dir DIR   plugin directory (repeatable, or DIR1:DIR2), instead of
                     plugin.path / $SLUICE_PLUGIN_PATH / the plugins directory next
                     to the binary.
  --log-level L      trace, debug, info, warn or error (default: log.level, info).
  --json             machine-readable output (plugins).
  --markdown         the configuration reference as Markdown (plugins).

Exit codes:
  0  success                    3  a pre-flight check failed (nothing was started)
  1  invalid configuration      4  runtime failure: Kafka unusable, a task ended
  2  usage error                   FAILED (even when stopped by a signal), every
                                   connector failed (the worker then stops by
                                   itself), or shutdown did not finish in time
  128+N  killed by a second signal N during shutdown
)";
}

}  // namespace sluice::app
