// sluice/sdk/sink.hpp: a sink connector and its export macro.
//
//     class MySink : public sluice::Sink {
//     public:
//         static std::vector<sluice::ConfigKey> config_keys();
//         MySink(const sluice::Config& config, sluice::TaskContext& context);
//         void put(const sluice::SinkRecords& records) override;
//     };
//     SLUICE_SINK(MySink, "my_sink", "1.0.0", "What it writes")
#pragma once

#include <sluice/abi.h>
#include <sluice/sdk/glue.hpp>
#include <sluice/sdk/records.hpp>

#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

namespace sluice {

class Sink {
public:
    virtual ~Sink() = default;
    // Write or buffer the records. Throw RetriableError to be offered the same batch again.
    virtual void put(const SinkRecords& records) = 0;
    // Make everything put so far durable. May lower positions[i].offset (the next offset to
    // commit) to what is really durable.
    virtual void flush(std::span<TopicPartition> positions) { (void)positions; }
    // Partitions assigned: set offset to resume from there instead of the committed offset.
    virtual void open(std::span<TopicPartition> partitions) { (void)partitions; }
    // Partitions revoked, after their final flush.
    virtual void close(std::span<const TopicPartition> partitions) { (void)partitions; }
};

namespace detail {

inline std::vector<TopicPartition> partitions_in(const sluice_topic_partition* const* parts, std::size_t count) {
    std::vector<TopicPartition> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back({parts[i]->topic, parts[i]->partition, parts[i]->offset});
    return out;
}

template <class T>
sluice_status sink_put(void* instance, const sluice_record* const* records, size_t count, sluice_error* err) {
    return guarded(err, [&] { Instance<T>::of(instance).task->put(SinkRecords(records, count)); });
}

// flush() and open(): the plugin may move each partition's offset; the moves are handed back.
template <class T, void (Sink::*method)(std::span<TopicPartition>)>
sluice_status sink_positions(void* instance, sluice_topic_partition* const* parts, size_t count, sluice_error* err) {
    return guarded(err, [&] {
        auto moved = partitions_in(parts, count);
        (Instance<T>::of(instance).task.get()->*method)(moved);
        for (std::size_t i = 0; i < moved.size(); ++i) parts[i]->offset = moved[i].offset;
    });
}

template <class T>
sluice_status sink_close(void* instance, const sluice_topic_partition* const* partitions, size_t count, sluice_error* err) {
    return guarded(err, [&] {
        const auto parts = partitions_in(partitions, count);
        Instance<T>::of(instance).task->close(parts);
    });
}

template <class T>
bool register_sink(const char* name, const char* version, const char* description) {
    static_assert(std::is_base_of_v<Sink, T>, "SLUICE_SINK needs a class derived from sluice::Sink");
    auto v = lifecycle<sluice_sink_vtable, Instance<T>>();
    v.put = &sink_put<T>;
    v.flush = &sink_positions<T, &Sink::flush>;
    v.open = &sink_positions<T, &Sink::open>;
    v.close = &sink_close<T>;
    if constexpr (has_test<T>) v.test = &test<T>;
    return enlist<T>(SLUICE_KIND_SINK, name, version, description, v);
}

}  // namespace detail
}  // namespace sluice

// Exports a sink connector class under a plugin name.
#define SLUICE_SINK(Class, name, version, description) SLUICE_DETAIL_REGISTER(register_sink, Class, name, version, description)
