#include "config/exactly_once_config.hpp"

namespace sluice::config {

namespace {

Schema make_exactly_once_schema() {
    std::vector<KeyDef> keys;
    KeyDef support = key_def("exactly.once.support", ValueType::string,
                             "Source connectors: requested: the connector writes in transactions (exactly once) when the worker's "
                             "exactly.once.source.support is enabled, at least once otherwise; required: it is refused on a worker "
                             "without exactly.once.source.support (docs/exactly-once.md)",
                             "requested");
    support.allowed = {"requested", "required"};
    keys.push_back(support);
    KeyDef boundary = key_def("transaction.boundary", ValueType::string,
                              "Source connectors with exactly-once delivery: poll: one transaction per poll (its records and their "
                              "offsets); interval: one transaction for everything polled within transaction.boundary.interval.ms",
                              "poll");
    boundary.allowed = {"poll", "interval"};
    keys.push_back(boundary);
    KeyDef interval = key_def("transaction.boundary.interval.ms", ValueType::integer,
                              "With transaction.boundary: interval, how long a transaction gathers polls before it commits (ms); "
                              "unset: the worker's offset.flush.interval.ms");
    interval.min = 1;
    interval.max = static_cast<double>(kMaxTransactionIntervalMs);
    keys.push_back(interval);
    return Schema(std::move(keys));
}

}  // namespace

const Schema& exactly_once_schema() {
    static const Schema schema = make_exactly_once_schema();
    return schema;
}

bool is_exactly_once_key(std::string_view key) {
    return exactly_once_schema().find(key) != nullptr || exactly_once_schema().has_prefix(key);
}

ExactlyOncePolicy exactly_once_from(const Resolved& values, const std::string& prefix, const Location& where, Diagnostics& diags) {
    ExactlyOncePolicy p;
    if (auto* v = find_value(values, "exactly.once.support")) p.required = v->text == "required";
    if (auto* v = find_value(values, "transaction.boundary")) p.boundary = v->text == "interval" ? TransactionBoundary::interval : TransactionBoundary::poll;
    if (auto* v = find_value(values, "transaction.boundary.interval.ms")) {
        p.interval_ms = std::stoll(v->text);
        if (p.boundary != TransactionBoundary::interval) {
            const std::string key = prefix.empty() ? "transaction.boundary.interval.ms" : prefix + ".transaction.boundary.interval.ms";
            diags.add(v->where.line > 0 ? v->where : where, key,
                      "applies only with transaction.boundary: interval (the boundary is poll: each poll commits)");
        }
    }
    return p;
}

std::optional<std::string> exactly_once_refusal(const ExactlyOncePolicy& policy, bool worker_support) {
    if (!policy.required || worker_support) return std::nullopt;
    return "exactly.once.support is required, but this worker's exactly.once.source.support is disabled: set "
           "exactly.once.source.support: enabled in the worker file (every source connector of the worker then writes in "
           "transactions), or exactly.once.support: requested on the connector to accept at-least-once delivery";
}

}  // namespace sluice::config
