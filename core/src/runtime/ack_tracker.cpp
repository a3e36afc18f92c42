#include "runtime/ack_tracker.hpp"

namespace sluice::runtime {

AckTracker::Batch* AckTracker::open() { return &batches_.emplace_back(); }

void AckTracker::delivered(Batch* b, const char* error) {
    if (error != nullptr && b->error.empty()) b->error = error;
    --b->outstanding;
}

std::optional<std::string> AckTracker::advance() {
    while (!batches_.empty()) {
        Batch& front = batches_.front();
        if (!front.error.empty()) return front.error;
        if (front.abandoned || !front.sealed || front.outstanding > 0) break;
        for (auto& [partition, offset] : front.offsets) committable_[partition] = std::move(offset);
        batches_.pop_front();
    }
    return std::nullopt;
}

std::map<std::string, std::string> AckTracker::take_committable() { return std::exchange(committable_, {}); }

void AckTracker::restore(const std::map<std::string, std::string>& offsets) {
    for (const auto& [partition, offset] : offsets) committable_.emplace(partition, offset);
}

}  // namespace sluice::runtime
