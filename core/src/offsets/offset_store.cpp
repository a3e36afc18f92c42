#include "offsets/offset_store.hpp"

#include "common/log.hpp"
#include "kafka/topic_reader.hpp"
#include "offsets/offset_codec.hpp"

#include <chrono>
#include <vector>

namespace sluice::offsets {

bool OffsetStore::load(kafka::Cluster& cluster, std::string& error) {
    auto partitions = cluster.partition_count(topic_, 10000, error);
    if (!partitions) {
        if (!error.empty()) return false;
        log::info("offsets topic ", topic_, " does not exist yet: no stored source offsets");
        return true;
    }
    size_t records = 0, malformed = 0;
    auto each = [&](const sluice_record& r) {
        ++records;
        auto key = r.key.data ? decode_key({r.key.data, r.key.size}) : std::nullopt;
        if (!key) {
            ++malformed;
        } else if (r.value.data == nullptr) {
            erase(key->connector, key->partition);
        } else if (auto value = canonical_object({r.value.data, r.value.size})) {
            put(key->connector, key->partition, *value);
        } else {
            ++malformed;
        }
    };
    if (!kafka::read_to_end(cluster, topic_, *partitions, each, std::chrono::seconds(60), error)) return false;
    if (malformed) log::warn("offsets topic ", topic_, ": ignored ", malformed, " records not in Kafka Connect's format");
    log::info("read ", records, " records from offsets topic ", topic_, ": ", size(), " stored source offsets");
    return true;
}

std::optional<std::string> OffsetStore::get(const std::string& connector, const std::string& partition) const {
    std::lock_guard lock(mutex_);
    auto it = offsets_.find({connector, partition});
    if (it == offsets_.end()) return std::nullopt;
    return it->second;
}

void OffsetStore::put(const std::string& connector, const std::string& partition, const std::string& offset) {
    std::lock_guard lock(mutex_);
    offsets_[{connector, partition}] = offset;
}

void OffsetStore::erase(const std::string& connector, const std::string& partition) {
    std::lock_guard lock(mutex_);
    offsets_.erase({connector, partition});
}

std::vector<std::pair<std::string, std::string>> OffsetStore::offsets_of(const std::string& connector) const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = offsets_.lower_bound({connector, ""}); it != offsets_.end() && it->first.first == connector; ++it)
        out.emplace_back(it->first.second, it->second);
    return out;
}

size_t OffsetStore::size() const {
    std::lock_guard lock(mutex_);
    return offsets_.size();
}

}  // namespace sluice::offsets
