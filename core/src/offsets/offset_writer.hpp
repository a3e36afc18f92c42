// Writing a source connector's offsets to the offsets topic, one round at a time: a round's
// records go out through the task's producer, and only once Kafka acknowledged every one
// of them does the round count (the store updated, the offsets handed back for the
// plugin's commit). A round with a failed write hands its offsets back for the next try.
// Transactional (exactly-once sources): the round's records go into the producer's open
// transaction, and acknowledgements alone never make it count: only the transaction's
// commit does (transaction_committed); an aborted transaction drops it.
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

    OffsetWriter(kafka::Producer& producer, OffsetStore& store, std::string connector, bool transactional = false)
        : producer_(producer), store_(store), connector_(std::move(connector)), transactional_(transactional) {}

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
    // Once every write of the round is reported: the round's outcome (once). Never for a
    // transactional writer: see below.
    std::optional<Settled> settle();

    // Transactional writer. A round written inside a transaction is stored once that
    // transaction committed (every write reported: commit delivers them first): the round,
    // nullopt when there was none. false in `ok` when a write of it failed, which a commit
    // cannot have let through.
    std::optional<Settled> transaction_committed();
    // The transaction was aborted: the round is dropped, nothing stored (late reports of
    // its writes are still counted, so no new round starts before they are in).
    void transaction_aborted();
    // A write of the current round was refused or reported failed, and the first reason.
    bool failed() const { return failed_; }
    const std::string& failure() const { return failure_; }

private:
    // The round ends: stored when `ok`, and the writer is ready for the next one.
    Settled end_round(bool ok);

    kafka::Producer& producer_;
    OffsetStore& store_;
    std::string connector_;
    bool transactional_;
    char token_ = 0;
    size_t pending_ = 0;
    bool failed_ = false;
    std::string failure_;
    Offsets in_flight_;
};

}  // namespace sluice::offsets
