// The worker as a plugin instance sees it (sluice_host): logging under the task's name,
// stored source offsets, the stop flag, and the errant-record reporter (ABI 1.1), which
// hands the record to the task's error policy.
#pragma once

#include "offsets/offset_store.hpp"

#include <sluice/abi.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <string>

namespace sluice::runtime {

class TaskHost {
public:
    TaskHost(std::string worker_id, std::string connector, std::string plugin, int task_id, int task_count,
             const offsets::OffsetStore* store, const std::atomic<bool>* stop_flag);
    TaskHost(const TaskHost&) = delete;
    TaskHost& operator=(const TaskHost&) = delete;

    const sluice_host* get() const { return &host_; }

    // What report_errant does: the task's error policy (OK: tolerated; FATAL: the task has
    // recorded the failure). Without one, every errant record is fatal.
    using ErrantHandler = std::function<sluice_status(const sluice_record& record, std::string_view message)>;
    void set_errant_handler(ErrantHandler handler) { errant_ = std::move(handler); }

private:
    static void log(void* self, sluice_log_level level, const char* message, size_t length);
    static const char* stored_offset(void* self, const char* partition, size_t length);
    static int32_t stopping(void* self);
    static sluice_status report_errant(void* self, const sluice_record* record, const char* message, size_t length);

    std::string worker_id_, connector_, plugin_, context_;
    const offsets::OffsetStore* store_;
    const std::atomic<bool>* stop_flag_;
    std::mutex mutex_;
    std::deque<std::string> handed_out_;  // strings returned to the plugin live as long as this host
    ErrantHandler errant_;
    sluice_host host_{};
};

}  // namespace sluice::runtime
