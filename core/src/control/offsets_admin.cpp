#include "control/offsets_admin.hpp"

#include "control/errors.hpp"
#include "kafka/group_offsets.hpp"
#include "kafka/write_and_wait.hpp"
#include "offsets/offset_codec.hpp"

#include <algorithm>
#include <optional>

namespace sluice::control {

namespace {

constexpr int kTimeoutMs = 10000;

using SourceOffsets = std::vector<std::pair<std::string, std::optional<std::string>>>;  // partition -> offset (nullopt: reset)

// The connector's group, every Kafka refusal as a control::Error.
template <typename F>
auto on_group(runtime::Worker& worker, const config::ConnectorSpec& spec, F&& call) {
    try {
        kafka::GroupOffsets group(*worker.cluster(), spec.consumer_group(), kTimeoutMs);
        return call(group);
    } catch (const kafka::GroupOffsetsError& e) {
        throw Error(e.busy ? Refusal::conflict : Refusal::unavailable, e.what());
    }
}

// Writes offset records (nullopt: tombstone) as a source task would, and updates the store.
void write_source_offsets(runtime::Worker& worker, const std::string& connector, const SourceOffsets& offsets) {
    std::vector<kafka::KeyedRecord> records;
    for (const auto& [partition, offset] : offsets) records.push_back({offsets::encode_key(connector, partition), offset});
    const std::string& topic = worker.offsets()->topic();
    if (auto error = kafka::write_and_wait(*worker.cluster(), topic, records, kTimeoutMs))
        throw Error(Refusal::unavailable, "offsets topic: " + *error);
    for (const auto& [partition, offset] : offsets) {
        if (offset) worker.offsets()->put(connector, partition, *offset);
        else worker.offsets()->erase(connector, partition);
    }
}

SourceOffsets source_offsets_from(const config::ConnectorSpec& spec, const nlohmann::json& offsets) {
    SourceOffsets out;
    for (const auto& e : offsets) {
        if (!e.is_object() || !e.contains("partition") || !e["partition"].is_object())
            throw Error(Refusal::invalid, "every entry needs a 'partition' object (as GET /connectors/" + spec.name + "/offsets shows it)");
        const auto offset = e.value("offset", nlohmann::json());
        if (!offset.is_null() && !offset.is_object())
            throw Error(Refusal::invalid, "'offset' must be an object, or null to reset the partition");
        out.emplace_back(*offsets::canonical_object(e["partition"].dump()),
                         offset.is_null() ? std::nullopt : std::optional<std::string>(offset.dump()));
    }
    return out;
}

// A sink's entries as offsets to commit; a null offset becomes the partition's earliest one.
std::vector<kafka::PartitionOffset> sink_offsets_from(kafka::GroupOffsets& group, const config::ConnectorSpec& spec,
                                                      const nlohmann::json& offsets) {
    std::vector<kafka::PartitionOffset> out;
    for (const auto& e : offsets) {
        const auto p = e.is_object() ? e.value("partition", nlohmann::json()) : nlohmann::json();
        if (!p.is_object() || !p.contains("kafka_topic") || !p["kafka_topic"].is_string() || !p.contains("kafka_partition") ||
            !p["kafka_partition"].is_number_integer())
            throw Error(Refusal::invalid, "a sink partition is {\"kafka_topic\": <string>, \"kafka_partition\": <integer>}");
        const std::string topic = p["kafka_topic"].get<std::string>();
        const int partition = p["kafka_partition"].get<int>();
        if (std::find(spec.topics.begin(), spec.topics.end(), topic) == spec.topics.end())
            throw Error(Refusal::invalid, "connector " + spec.name + " does not read topic " + topic);
        const auto offset = e.value("offset", nlohmann::json());
        if (offset.is_null()) {
            out.push_back({topic, partition, group.earliest(topic, partition)});
            continue;
        }
        if (!offset.is_object() || !offset.contains("kafka_offset") || !offset["kafka_offset"].is_number_integer() ||
            offset["kafka_offset"].get<int64_t>() < 0)
            throw Error(Refusal::invalid, "a sink offset is {\"kafka_offset\": <integer >= 0>}, or null to reset the partition");
        out.push_back({topic, partition, offset["kafka_offset"].get<int64_t>()});
    }
    return out;
}

}  // namespace

nlohmann::json read_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec) {
    nlohmann::json list = nlohmann::json::array();
    if (spec.kind == config::ConnectorKind::source) {
        for (const auto& [partition, offset] : worker.offsets()->offsets_of(spec.name))
            list.push_back({{"partition", nlohmann::json::parse(partition)}, {"offset", nlohmann::json::parse(offset)}});
        return {{"offsets", list}};
    }
    for (const auto& c : on_group(worker, spec, [&](kafka::GroupOffsets& g) { return g.committed(spec.topics); })) {
        if (c.offset < 0) continue;  // nothing committed
        list.push_back({{"partition", {{"kafka_topic", c.topic}, {"kafka_partition", c.partition}}},
                        {"offset", {{"kafka_offset", c.offset}}}});
    }
    return {{"offsets", list}};
}

void alter_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec, const nlohmann::json& offsets) {
    if (!offsets.is_array() || offsets.empty())
        throw Error(Refusal::invalid, "expected {\"offsets\": [{\"partition\": {...}, \"offset\": {...}}, ...]} with at least one entry");
    if (spec.kind == config::ConnectorKind::source) {
        write_source_offsets(worker, spec.name, source_offsets_from(spec, offsets));
        return;
    }
    on_group(worker, spec, [&](kafka::GroupOffsets& g) { g.commit(spec.topics, sink_offsets_from(g, spec, offsets)); });
}

void reset_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec) {
    if (spec.kind == config::ConnectorKind::source) {
        SourceOffsets resets;
        for (const auto& [partition, offset] : worker.offsets()->offsets_of(spec.name)) resets.emplace_back(partition, std::nullopt);
        write_source_offsets(worker, spec.name, resets);
        return;
    }
    on_group(worker, spec, [&](kafka::GroupOffsets& g) {
        std::vector<kafka::PartitionOffset> resets;
        for (const auto& c : g.committed(spec.topics))
            if (c.offset >= 0) resets.push_back({c.topic, c.partition, g.earliest(c.topic, c.partition)});
        g.commit(spec.topics, resets);
    });
}

}  // namespace sluice::control
