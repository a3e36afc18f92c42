// Writing a source connector's offsets to the offsets topic, one round at a time: a round's
// records go out through the task's producer, and only once Kafka acknowledged every one
// of them does the round count (the store updated, the offsets handed back for the
// plugin's commit). A round with a failed write hands its offsets back for the next try.
#pragma once

#include "kafka/producer.hpp"
#include "offsets/offset_store.hpp"

#include <map>
#include <optional>
#include <string>

namespace sluice::offsets {

class OffsetWriter {
public:
    using Offsets = std::map<std::string, std::string>;  // canonical partition -> offset

    OffsetWriter(kafka::Producer& producer, OffsetStore& store, std::string connector)
        : producer_(producer), store_(store), connector_(std::move(connector)) {}

    // A round is on its way: no new one starts until it settled.
    bool busy() const { return pending_ > 0 || !in_flight_.empty(); }
    bool writing() const { return pending_ > 0; }
    // Starts a round (nothing when busy or empty).
    void write(Offsets offsets);
    // The token its records carry: delivery reports with it belong to the writer.
    void* token() { return &token_; }
    void delivered(const kafka::Delivery& delivery);

    struct Settled {
        bool ok = false;  // every write acknowledged: the store holds them
        Offsets offsets;
    };
    // Once every write of the round is reported: the round's outcome (once).
    std::optional<Settled> settle();

private:
    kafka::Producer& producer_;
    OffsetStore& store_;
    std::string connector_;
    char token_ = 0;
    size_t pending_ = 0;
    bool failed_ = false;
    Offsets in_flight_;
};

}  // namespace sluice::offsets
