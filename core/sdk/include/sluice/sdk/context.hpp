// sluice/sdk/context.hpp: the worker as a task sees it (identity, logging, stored offsets,
// the stop flag, the error policy for one errant record).
#pragma once

#include <sluice/abi.h>
#include <sluice/sdk/errors.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

enum class LogLevel : sluice_log_level {
    trace = SLUICE_LOG_TRACE,
    debug = SLUICE_LOG_DEBUG,
    info = SLUICE_LOG_INFO,
    warn = SLUICE_LOG_WARN,
    error = SLUICE_LOG_ERROR,
};

class TaskContext {
public:
    explicit TaskContext(const sluice_host* host) : host_(host) {}

    std::string_view worker_id() const { return host_->worker_id ? host_->worker_id : ""; }
    std::string_view connector() const { return host_->connector ? host_->connector : ""; }
    std::string_view plugin() const { return host_->plugin ? host_->plugin : ""; }
    int task_id() const { return host_->task_id; }
    int task_count() const { return host_->task_count; }

    void log(LogLevel level, std::string_view message) const {
        if (host_->log != nullptr)
            host_->log(host_->opaque, static_cast<sluice_log_level>(level), message.data(), message.size());
    }
    void trace(std::string_view m) const { log(LogLevel::trace, m); }
    void debug(std::string_view m) const { log(LogLevel::debug, m); }
    void info(std::string_view m) const { log(LogLevel::info, m); }
    void warn(std::string_view m) const { log(LogLevel::warn, m); }
    void error(std::string_view m) const { log(LogLevel::error, m); }

    // The offset stored for a source partition (sources only).
    std::optional<std::string_view> stored_offset(std::string_view partition_json) const {
        if (host_->stored_offset == nullptr) return std::nullopt;
        const char* text = host_->stored_offset(host_->opaque, partition_json.data(), partition_json.size());
        if (text == nullptr) return std::nullopt;
        return std::string_view(text);
    }

    // True once the worker is stopping this task: long loops should return early.
    bool stopping() const { return host_->stopping != nullptr && host_->stopping(host_->opaque) != 0; }

    // Hands one record the plugin cannot handle to the connector's error policy. Returns
    // when the record was tolerated (skipped, logged, or sent to the dead-letter topic): go
    // on without it. Throws FatalError when the policy does not tolerate it; the worker has
    // then recorded the record and message as the task's failure.
    void report_errant(const sluice_record& record, std::string_view message) const {
        if (host_->report_errant == nullptr)
            throw FatalError(std::string(message));
        if (host_->report_errant(host_->opaque, &record, message.data(), message.size()) != SLUICE_OK)
            throw FatalError(std::string(message));
    }

private:
    const sluice_host* host_;
};

}  // namespace sluice
