// sluice/sdk/source.hpp: a source connector and its export macro.
//
//     class MySource : public sluice::Source {
//     public:
//         static std::vector<sluice::ConfigKey> config_keys();
//         MySource(const sluice::Config& config, sluice::TaskContext& context);
//         void poll(sluice::RecordWriter& out, std::chrono::milliseconds timeout) override;
//     };
//     SLUICE_SOURCE(MySource, "my_source", "1.0.0", "What it reads")
#pragma once

#include <sluice/abi.h>
#include <sluice/sdk/glue.hpp>
#include <sluice/sdk/records.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sluice {

class Source {
public:
    virtual ~Source() = default;
    // Add up to out.max_records() records; wait at most `timeout` when nothing is ready.
    virtual void poll(RecordWriter& out, std::chrono::milliseconds timeout) = 0;
    // These offsets are durable in Kafka: upstream acknowledgements can happen here.
    virtual void commit(std::span<const CommittedOffset> offsets) { (void)offsets; }
};

namespace detail {

template <class T>
sluice_status source_poll(void* instance, sluice_batch_writer* out, int32_t timeout_ms, sluice_error* err) {
    return guarded(err, [&] {
        RecordWriter writer(out);
        Instance<T>::of(instance).task->poll(writer, std::chrono::milliseconds(timeout_ms));
    });
}

template <class T>
sluice_status source_commit(void* instance, const sluice_source_offset* const* offsets, size_t count, sluice_error* err) {
    return guarded(err, [&] {
        std::vector<CommittedOffset> committed;
        committed.reserve(count);
        for (std::size_t i = 0; i < count; ++i)
            committed.push_back({std::string_view(offsets[i]->source_partition.data, offsets[i]->source_partition.size),
                                 std::string_view(offsets[i]->source_offset.data, offsets[i]->source_offset.size)});
        Instance<T>::of(instance).task->commit(committed);
    });
}

template <class T>
bool register_source(const char* name, const char* version, const char* description) {
    static_assert(std::is_base_of_v<Source, T>, "SLUICE_SOURCE needs a class derived from sluice::Source");
    auto v = lifecycle<sluice_source_vtable, Instance<T>>();
    v.poll = &source_poll<T>;
    v.commit = &source_commit<T>;
    if constexpr (has_test<T>) v.test = &test<T>;
    return enlist<T>(SLUICE_KIND_SOURCE, name, version, description, v);
}

}  // namespace detail
}  // namespace sluice

// Exports a source connector class under a plugin name.
#define SLUICE_SOURCE(Class, name, version, description) SLUICE_DETAIL_REGISTER(register_source, Class, name, version, description)
