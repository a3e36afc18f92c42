// A source and a sink whose every callback is a std::function the test sets: the tasks'
// unit tests drive them through the real ABI vtables (plugin::Instance) without a .so.
#pragma once

#include "plugin/loaded_plugin.hpp"

#include <sluice/abi.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sluice::testing {

inline sluice_status say(sluice_error* err, sluice_status status, const std::string& message, int64_t index = -1) {
    if (err && err->message && err->capacity) {
        const size_t n = std::min(message.size(), err->capacity - 1);
        std::memcpy(err->message, message.data(), n);
        err->message[n] = '\0';
    }
    if (err) err->record_index = index;
    return status;
}

struct SourceScript {
    // Fills one poll; the host is the task's (report_errant, stopping).
    std::function<sluice_status(sluice_batch_writer*, sluice_error*, const sluice_host*)> poll =
        [](sluice_batch_writer*, sluice_error*, const sluice_host*) { return SLUICE_OK; };
    std::mutex mutex;
    std::vector<std::vector<std::pair<std::string, std::string>>> commits;  // (partition, offset) per commit()
    int polls = 0;
    int destroyed = 0;

    size_t commit_count() {
        std::lock_guard lock(mutex);
        return commits.size();
    }
    int poll_count() {
        std::lock_guard lock(mutex);
        return polls;
    }
};

struct SinkScript {
    std::function<sluice_status(const sluice_record* const*, size_t, sluice_error*, const sluice_host*)> put =
        [](const sluice_record* const*, size_t, sluice_error*, const sluice_host*) { return SLUICE_OK; };
    // May lower positions[i]->offset.
    std::function<sluice_status(sluice_topic_partition* const*, size_t, sluice_error*)> flush =
        [](sluice_topic_partition* const*, size_t, sluice_error*) { return SLUICE_OK; };
    // May set partitions[i]->offset: where the sink's own progress says to resume.
    std::function<void(sluice_topic_partition* const*, size_t)> open = [](sluice_topic_partition* const*, size_t) {};
    std::mutex mutex;
    std::vector<std::string> put_values;  // every value put() accepted (OK: all; ERROR at i: those before i)
    std::vector<std::string> events;      // "open in[0]", "close in[1]", "flush"
    int flushes = 0;

    size_t put_count() {
        std::lock_guard lock(mutex);
        return put_values.size();
    }
    int flush_count() {
        std::lock_guard lock(mutex);
        return flushes;
    }
    bool saw(const std::string& event) {
        std::lock_guard lock(mutex);
        return std::find(events.begin(), events.end(), event) != events.end();
    }
};

// Appends a record (null value when `value` is nullptr) with a source partition/offset.
inline sluice_status append(sluice_batch_writer* out, const char* value, const std::string& partition, const std::string& offset,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::vector<sluice_header> hs;
    std::vector<const sluice_header*> hp;
    for (const auto& [k, v] : headers) hs.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
    for (const auto& h : hs) hp.push_back(&h);
    sluice_record r{};
    r.struct_size = sizeof(sluice_record);
    r.value = {value, value ? std::strlen(value) : 0};
    r.timestamp_ms = SLUICE_NO_TIMESTAMP;
    r.partition = SLUICE_ANY_PARTITION;
    r.offset = -1;
    r.headers = hp.data();
    r.header_count = hp.size();
    r.source_partition = {partition.data(), partition.size()};
    r.source_offset = {offset.data(), offset.size()};
    char message[256];
    sluice_error err{message, sizeof message, -1};
    return out->append(out->opaque, &r, &err);
}

// A numbered source's one source partition, and its offset after record n.
inline const std::string kPartition = R"({"p":0})";
inline std::string offset_of(int n) { return R"({"n":)" + std::to_string(n) + "}"; }

// Polls `per_poll` records each time ("v<n>", offset {"n":<n>}), numbered from *next (1
// at first), up to `total`; then nothing.
inline std::function<sluice_status(sluice_batch_writer*, sluice_error*, const sluice_host*)> numbered(
    int total, int per_poll, std::shared_ptr<std::atomic<int>> next) {
    return [=](sluice_batch_writer* out, sluice_error*, const sluice_host*) -> sluice_status {
        for (int i = 0; i < per_poll && *next <= total; ++i, ++*next) {
            const std::string value = "v" + std::to_string(next->load());
            append(out, value.c_str(), kPartition, offset_of(*next));
        }
        return SLUICE_OK;
    };
}

namespace detail {
struct Instance {
    const sluice_host* host;
};
inline SourceScript* source_script = nullptr;
inline SinkScript* sink_script = nullptr;

inline sluice_status create(const sluice_host* host, const sluice_config*, void** instance, sluice_error*) {
    *instance = new Instance{host};
    return SLUICE_OK;
}
inline void destroy_source(void* instance) {
    delete static_cast<Instance*>(instance);
    std::lock_guard lock(source_script->mutex);
    ++source_script->destroyed;
}
inline void destroy_sink(void* instance) { delete static_cast<Instance*>(instance); }
inline sluice_status poll(void* instance, sluice_batch_writer* out, int32_t, sluice_error* err) {
    {
        std::lock_guard lock(source_script->mutex);
        ++source_script->polls;
    }
    return source_script->poll(out, err, static_cast<Instance*>(instance)->host);
}
inline sluice_status commit(void*, const sluice_source_offset* const* offsets, size_t count, sluice_error*) {
    std::vector<std::pair<std::string, std::string>> c;
    for (size_t i = 0; i < count; ++i)
        c.emplace_back(std::string(offsets[i]->source_partition.data, offsets[i]->source_partition.size),
                       std::string(offsets[i]->source_offset.data, offsets[i]->source_offset.size));
    std::lock_guard lock(source_script->mutex);
    source_script->commits.push_back(std::move(c));
    return SLUICE_OK;
}
inline sluice_status put(void* instance, const sluice_record* const* records, size_t count, sluice_error* err) {
    sluice_status s = sink_script->put(records, count, err, static_cast<Instance*>(instance)->host);
    const size_t accepted = s == SLUICE_OK ? count : s == SLUICE_ERROR && err->record_index >= 0 ? static_cast<size_t>(err->record_index) : 0;
    std::lock_guard lock(sink_script->mutex);
    for (size_t i = 0; i < accepted && i < count; ++i)
        sink_script->put_values.emplace_back(records[i]->value.data ? std::string(records[i]->value.data, records[i]->value.size) : "null");
    return s;
}
inline sluice_status flush(void*, sluice_topic_partition* const* positions, size_t count, sluice_error* err) {
    {
        std::lock_guard lock(sink_script->mutex);
        ++sink_script->flushes;
    }
    return sink_script->flush(positions, count, err);
}
inline std::string partitions(const char* what, const sluice_topic_partition* const* parts, size_t count) {
    std::string s = what;
    for (size_t i = 0; i < count; ++i) s += std::string(" ") + parts[i]->topic + "[" + std::to_string(parts[i]->partition) + "]";
    return s;
}
inline sluice_status open(void*, sluice_topic_partition* const* parts, size_t count, sluice_error*) {
    sink_script->open(parts, count);
    std::lock_guard lock(sink_script->mutex);
    sink_script->events.push_back(partitions("open", parts, count));
    return SLUICE_OK;
}
inline sluice_status close(void*, const sluice_topic_partition* const* parts, size_t count, sluice_error*) {
    std::lock_guard lock(sink_script->mutex);
    sink_script->events.push_back(partitions("close", parts, count));
    return SLUICE_OK;
}
}  // namespace detail

inline plugin::PluginPtr scripted_source(SourceScript& script) {
    detail::source_script = &script;
    static const sluice_source_vtable vtable{sizeof(sluice_source_vtable), detail::create, detail::destroy_source,
                                             detail::poll, detail::commit, nullptr};
    auto p = std::make_shared<plugin::LoadedPlugin>();
    p->kind = config::ConnectorKind::source;
    p->name = "scripted";
    p->file = "(in the test)";
    p->source = &vtable;
    return p;
}

inline plugin::PluginPtr scripted_sink(SinkScript& script) {
    detail::sink_script = &script;
    static const sluice_sink_vtable vtable{sizeof(sluice_sink_vtable), detail::create, detail::destroy_sink, detail::put,
                                           detail::flush, detail::open, detail::close, nullptr};
    auto p = std::make_shared<plugin::LoadedPlugin>();
    p->kind = config::ConnectorKind::sink;
    p->name = "scripted";
    p->file = "(in the test)";
    p->sink = &vtable;
    return p;
}

}  // namespace sluice::testing
