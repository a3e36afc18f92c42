// Source offsets become committable strictly in order: a batch's offsets count only once
// Kafka acknowledged every record of it and of every batch before it. A failed delivery
// stops the line: nothing after it is ever committed.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::runtime {

class AckTracker {
public:
    struct Batch {
        size_t outstanding = 0;
        bool sealed = false;
        bool abandoned = false;  // not sent whole because the task stopped: blocks the line, not an error
        std::string error;       // first delivery failure
        // canonical source partition -> its last offset in this batch
        std::vector<std::pair<std::string, std::string>> offsets;
    };

    // A new batch at the back of the line; stays valid until it is retired by advance().
    Batch* open();
    static void produced(Batch* b) { ++b->outstanding; }
    // No more records will be added: the batch may retire once they are all acknowledged.
    static void seal(Batch* b) { b->sealed = true; }
    static void delivered(Batch* b, const char* error);

    // Retires acknowledged batches from the front; the failure that blocks the line, if any.
    std::optional<std::string> advance();
    bool idle() const { return batches_.empty(); }
    size_t in_flight() const { return batches_.size(); }

    // Offsets made committable since the last take.
    std::map<std::string, std::string> take_committable();
    // Offsets whose write failed go back, unless a newer offset replaced them meanwhile.
    void restore(const std::map<std::string, std::string>& offsets);

private:
    std::deque<Batch> batches_;
    std::map<std::string, std::string> committable_;
};

}  // namespace sluice::runtime
