#include "runtime/task_host.hpp"

#include "common/log.hpp"
#include "offsets/offset_codec.hpp"

namespace sluice::runtime {

TaskHost::TaskHost(std::string worker_id, std::string connector, std::string plugin, int task_id, int task_count,
                   const offsets::OffsetStore* store, const std::atomic<bool>* stop_flag)
    : worker_id_(std::move(worker_id)),
      connector_(std::move(connector)),
      plugin_(std::move(plugin)),
      context_(connector_ + "/" + std::to_string(task_id)),
      store_(store),
      stop_flag_(stop_flag) {
    host_.opaque = this;
    host_.worker_id = worker_id_.c_str();
    host_.connector = connector_.c_str();
    host_.plugin = plugin_.c_str();
    host_.task_id = task_id;
    host_.task_count = task_count;
    host_.log = &TaskHost::log;
    host_.stored_offset = store_ ? &TaskHost::stored_offset : nullptr;
    host_.stopping = &TaskHost::stopping;
    host_.report_errant = &TaskHost::report_errant;
}

void TaskHost::log(void* self, sluice_log_level level, const char* message, size_t length) {
    auto* h = static_cast<TaskHost*>(self);
    log::Level l = level <= SLUICE_LOG_TRACE ? log::Level::trace
                   : level == SLUICE_LOG_DEBUG ? log::Level::debug
                   : level == SLUICE_LOG_INFO  ? log::Level::info
                   : level == SLUICE_LOG_WARN  ? log::Level::warn
                                               : log::Level::error;
    if (message == nullptr) return;
    log::write(l, h->context_, std::string_view(message, length));
}

const char* TaskHost::stored_offset(void* self, const char* partition, size_t length) {
    auto* h = static_cast<TaskHost*>(self);
    if (partition == nullptr) return nullptr;
    auto canonical = offsets::canonical_object(std::string_view(partition, length));
    if (!canonical) return nullptr;
    auto offset = h->store_->get(h->connector_, *canonical);
    if (!offset) return nullptr;
    std::lock_guard lock(h->mutex_);
    return h->handed_out_.emplace_back(std::move(*offset)).c_str();
}

int32_t TaskHost::stopping(void* self) {
    auto* h = static_cast<TaskHost*>(self);
    return h->stop_flag_ != nullptr && h->stop_flag_->load(std::memory_order_relaxed) ? 1 : 0;
}

// The connector's error policy decides (see SourceTask::errant, SinkTask::errant); a host without a task
// (pre-flight checks, tests) treats every errant record as fatal.
sluice_status TaskHost::report_errant(void* self, const sluice_record* record, const char* message, size_t length) {
    auto* h = static_cast<TaskHost*>(self);
    std::string_view text = message ? std::string_view(message, length) : std::string_view();
    if (record != nullptr && record->struct_size >= offsetof(sluice_record, value) + sizeof(record->value) && h->errant_) {
        try {
            return h->errant_(*record, text);
        } catch (const std::exception& e) {
            log::write(log::Level::error, h->context_, std::string("handling an errant record failed: ") + e.what());
            return SLUICE_FATAL;
        }
    }
    std::string where;
    if (record != nullptr && record->topic.data != nullptr && record->offset >= 0)
        where = " (" + std::string(record->topic.data, record->topic.size) + "-" + std::to_string(record->partition) +
                "@" + std::to_string(record->offset) + ")";
    log::write(log::Level::error, h->context_, "errant record" + where + ": " + std::string(text));
    return SLUICE_FATAL;
}

}  // namespace sluice::runtime
