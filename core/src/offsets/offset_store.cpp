#include "offsets/offset_store.hpp"

#include "common/log.hpp"
#include "kafka/topic_follower.hpp"
#include "kafka/topic_reader.hpp"
#include "offsets/offset_codec.hpp"

#include <chrono>
#include <vector>

namespace sluice::offsets {

OffsetStore::OffsetStore(std::string topic) : topic_(std::move(topic)) {}

OffsetStore::~OffsetStore() = default;

void OffsetStore::apply(std::string_view key_bytes, const std::optional<std::string_view>& value, size_t& malformed) {
    auto key = key_bytes.empty() ? std::nullopt : decode_key(key_bytes);
    if (!key) {
        ++malformed;
    } else if (!value) {
        erase(key->connector, key->partition);
    } else if (auto offset = canonical_object(*value)) {
        put(key->connector, key->partition, *offset);
    } else {
        ++malformed;
    }
}

bool OffsetStore::follow(kafka::Cluster& cluster, std::string& error) {
    follower_ = std::make_unique<kafka::TopicFollower>(cluster, topic_, "sluice-offsets-follower", [this](const kafka::FollowedRecord& r) {
        size_t malformed = 0;
        apply(r.key, r.value ? std::optional<std::string_view>(*r.value) : std::nullopt, malformed);
        if (malformed) log::warn("offsets topic ", topic_, " @", r.partition, "/", r.offset, ": not in Kafka Connect's format; ignored");
    });
    if (!follower_->start(std::chrono::seconds(30), error) || !follower_->sync(std::chrono::seconds(60), error)) {
        follower_.reset();
        return false;
    }
    log::info("following offsets topic ", topic_, ": ", size(), " stored source offsets");
    return true;
}

bool OffsetStore::sync(std::chrono::milliseconds timeout, std::string& error) {
    return !follower_ || follower_->sync(timeout, error);
}

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
        apply(r.key.data ? std::string_view(r.key.data, r.key.size) : std::string_view(),
              r.value.data ? std::optional<std::string_view>(std::string_view(r.value.data, r.value.size)) : std::nullopt, malformed);
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
