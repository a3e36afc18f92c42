#include "offsets/offset_writer.hpp"

#include "common/log.hpp"
#include "offsets/offset_codec.hpp"

namespace sluice::offsets {

void OffsetWriter::write(Offsets offsets) {
    if (busy() || offsets.empty()) return;
    sluice_record record{};
    record.struct_size = sizeof(sluice_record);
    record.topic = {store_.topic().data(), store_.topic().size()};
    record.partition = SLUICE_ANY_PARTITION;
    record.timestamp_ms = SLUICE_NO_TIMESTAMP;
    for (const auto& [partition, offset] : offsets) {
        const std::string key = encode_key(connector_, partition);
        record.key = {key.data(), key.size()};
        record.value = {offset.data(), offset.size()};
        kafka::Sent sent = producer_.send(record, token(), [] { return false; });
        if (!sent.ok()) {
            log::warn("cannot write offsets to ", store_.topic(), ": ", sent.error);
            if (!failed_) failure_ = sent.error;
            failed_ = true;
            continue;
        }
        ++pending_;
    }
    in_flight_ = std::move(offsets);
}

void OffsetWriter::delivered(const kafka::Delivery& d) {
    if (!d.ok()) {
        if (!failed_) failure_ = d.error;
        failed_ = true;
        log::warn("writing offsets to ", store_.topic(), " failed: ", d.error);
    }
    --pending_;
}

OffsetWriter::Settled OffsetWriter::end_round(bool ok) {
    Settled settled{ok, std::move(in_flight_)};
    in_flight_.clear();
    failed_ = false;
    failure_.clear();
    if (settled.ok)
        for (const auto& [partition, offset] : settled.offsets) store_.put(connector_, partition, offset);
    return settled;
}

std::optional<OffsetWriter::Settled> OffsetWriter::settle() {
    if (transactional_ || pending_ > 0 || in_flight_.empty()) return std::nullopt;
    return end_round(!failed_);
}

std::optional<OffsetWriter::Settled> OffsetWriter::transaction_committed() {
    if (in_flight_.empty()) return std::nullopt;
    return end_round(!failed_ && pending_ == 0);
}

void OffsetWriter::transaction_aborted() {
    in_flight_.clear();
    failed_ = false;
    failure_.clear();
}

}  // namespace sluice::offsets
