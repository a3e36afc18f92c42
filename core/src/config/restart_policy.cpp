#include "config/restart_policy.hpp"

#include <optional>

namespace sluice::config {

namespace {
KeyDef restart_key(std::string name, ValueType type, std::string def, std::string doc, std::optional<double> min = std::nullopt) {
    KeyDef k = key_def(std::move(name), type, std::move(doc), std::move(def));
    k.min = min;
    return k;
}

Schema make_restart_schema() {
    std::vector<KeyDef> keys;
    KeyDef policy = restart_key("policy", ValueType::string, "on-failure",
                        "on-failure: a FAILED task is restarted after a backoff (RESTARTING meanwhile); never: it stays "
                        "FAILED until a REST restart");
    policy.allowed = {"on-failure", "never"};
    keys.push_back(policy);
    keys.push_back(restart_key("backoff.initial.ms", ValueType::integer, "1000",
                       "wait before the first automatic restart (ms); doubles with each attempt, with jitter", 0));
    keys.push_back(restart_key("backoff.max.ms", ValueType::integer, "60000", "longest wait between two automatic restarts (ms)", 0));
    keys.push_back(restart_key("max.attempts", ValueType::integer, "-1",
                       "automatic restarts in a row before the task is left FAILED; -1: without end", -1));
    keys.push_back(restart_key("reset.after.ms", ValueType::integer, "300000",
                       "a task that ran this long (ms) before failing starts counting its attempts from zero again", 0));
    return Schema(std::move(keys));
}

}  // namespace

const Schema& restart_policy_schema() {
    static const Schema schema = make_restart_schema();
    return schema;
}

RestartPolicy restart_policy_from(const Resolved& values, const std::string& prefix, const Location& where, Diagnostics& diags) {
    RestartPolicy p;
    if (auto* v = find_value(values, "policy")) p.on_failure = v->text == "on-failure";
    if (auto* v = find_value(values, "backoff.initial.ms")) p.backoff_initial_ms = std::stoll(v->text);
    if (auto* v = find_value(values, "max.attempts")) p.max_attempts = std::stoll(v->text);
    if (auto* v = find_value(values, "reset.after.ms")) p.reset_after_ms = std::stoll(v->text);
    if (auto* v = find_value(values, "backoff.max.ms")) {
        p.backoff_max_ms = std::stoll(v->text);
        if (p.backoff_max_ms < p.backoff_initial_ms)
            diags.add(v->where.line > 0 ? v->where : where, prefix + ".backoff.max.ms",
                      "expected at least " + prefix + ".backoff.initial.ms (" + std::to_string(p.backoff_initial_ms) +
                          "), got " + v->text);
    }
    if (p.max_attempts == 0) p.on_failure = false;
    return p;
}

}  // namespace sluice::config
