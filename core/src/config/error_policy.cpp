#include "config/error_policy.hpp"

#include "config/pipeline_config.hpp"

#include <algorithm>

namespace sluice::config {

namespace {
KeyDef error_key(std::string name, ValueType type, std::string def, std::string doc) {
    return key_def(std::move(name), type, std::move(doc), std::move(def));
}

Schema make_error_schema() {
    std::vector<KeyDef> keys;
    KeyDef tolerance = error_key("tolerance", ValueType::string, "none",
                           "none: a failed record fails the task; all: it is skipped (logged, dead-lettered) and the task goes on");
    tolerance.allowed = {"none", "all"};
    keys.push_back(tolerance);
    KeyDef timeout = error_key("retry.timeout", ValueType::integer, "0",
                         "ms to retry a retriable failure (transforms, poll, put) before it counts as failed; 0: no retry "
                         "of transforms (poll/put retry without end), -1: retry forever");
    timeout.min = -1;
    keys.push_back(timeout);
    KeyDef delay = error_key("retry.delay.max.ms", ValueType::integer, "60000", "longest wait between two retries (ms)");
    delay.min = 0;
    keys.push_back(delay);
    keys.push_back(error_key("deadletterqueue.topic.name", ValueType::string, "",
                       "topic that receives failed records unchanged (needs tolerance all); empty: none"));
    KeyDef rf = error_key("deadletterqueue.topic.replication.factor", ValueType::integer, "-1",
                    "replication factor of the dead-letter topic when sluice creates it; -1: the cluster's default");
    rf.min = -1;
    rf.max = 32767;
    keys.push_back(rf);
    keys.push_back(error_key("deadletterqueue.context.headers.enable", ValueType::boolean, "false",
                       "add __connect.errors.* headers (topic, partition, offset, connector, task, stage, plugin, message)"));
    keys.push_back(error_key("log.enable", ValueType::boolean, "false", "log each failed record's failure (stage, where, message)"));
    KeyDef gap = error_key("on.gap", ValueType::string, "continue",
                     "sinks: what to do when records the sink never read were deleted from Kafka (retention, a recreated "
                     "topic) before it read them: continue (log an ERROR with the offsets skipped and count them in "
                     "sluice_sink_records_skipped_total) or fail the task");
    gap.allowed = {"continue", "fail"};
    keys.push_back(gap);
    keys.push_back(error_key("log.include.messages", ValueType::boolean, "false",
                       "include the record's key, value and headers in that log line (secret config values masked)"));
    return Schema(std::move(keys));
}

}  // namespace

const Schema& error_policy_schema() {
    static const Schema schema = make_error_schema();
    return schema;
}

ErrorPolicy error_policy_from(const Resolved& values, const std::vector<std::string>& own_topics,
                              const std::string& prefix, const Location& where, Diagnostics& diags) {
    ErrorPolicy p;
    auto where_of = [&](const Value* v) { return v && v->where.line > 0 ? v->where : where; };
    if (auto* v = find_value(values, "tolerance")) p.tolerance = v->text == "all" ? Tolerance::all : Tolerance::none;
    if (auto* v = find_value(values, "retry.timeout")) p.retry_timeout_ms = std::stoll(v->text);
    if (auto* v = find_value(values, "retry.delay.max.ms")) p.retry_delay_max_ms = std::stoll(v->text);
    if (auto* v = find_value(values, "deadletterqueue.topic.replication.factor")) {
        p.dlq_replication_factor = std::stoi(v->text);
        if (p.dlq_replication_factor == 0)
            diags.add(where_of(v), prefix + ".deadletterqueue.topic.replication.factor",
                      "expected -1 (the cluster's default) or at least 1, got 0");
    }
    if (auto* v = find_value(values, "deadletterqueue.context.headers.enable")) p.dlq_context_headers = v->text == "true";
    if (auto* v = find_value(values, "log.enable")) p.log_enable = v->text == "true";
    if (auto* v = find_value(values, "log.include.messages")) p.log_include_messages = v->text == "true";
    if (auto* v = find_value(values, "on.gap")) p.fail_on_gap = v->text == "fail";
    if (auto* v = find_value(values, "deadletterqueue.topic.name"); v && !v->text.empty()) {
        p.dlq_topic = v->text;
        const std::string key = prefix + ".deadletterqueue.topic.name";
        if (auto problem = topic_name_problem(p.dlq_topic)) diags.add(where_of(v), key, *problem);
        else if (std::find(own_topics.begin(), own_topics.end(), p.dlq_topic) != own_topics.end())
            diags.add(where_of(v), key,
                      "the dead-letter topic '" + p.dlq_topic + "' is one of this connector's own topics (a failed "
                      "record would come back to it); choose another topic");
        if (p.tolerance == Tolerance::none)
            diags.add(where_of(v), key,
                      "a dead-letter topic needs " + prefix + ".tolerance: all (with none, the first failed record fails the task)");
    }
    return p;
}

}  // namespace sluice::config
