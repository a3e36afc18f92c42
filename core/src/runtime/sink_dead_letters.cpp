#include "runtime/sink_dead_letters.hpp"

namespace sluice::runtime {

bool SinkDeadLetters::write(const ErrantRecord& record, const ErrantCause& cause, std::string& error) {
    if (!producer_) {
        producer_ = open_([this](const kafka::Delivery& d) { delivered(d); });
        if (!producer_) return false;
    }
    if (!writer_.write(*producer_, record, cause, nullptr, error)) return false;
    ++pending_;
    producer_->serve(0);
    return true;
}

void SinkDeadLetters::delivered(const kafka::Delivery& d) {
    --pending_;
    if (!d.ok() && failure_.empty())
        failure_ = "Kafka did not accept a record for the dead-letter topic " + writer_.topic() + ": " + std::string(d.error);
}

SinkDeadLetters::State SinkDeadLetters::settle(std::chrono::milliseconds timeout, std::string& failure) {
    if (!producer_) return State::settled;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_ > 0 && failure_.empty() && std::chrono::steady_clock::now() < deadline) producer_->serve(20);
    if (!failure_.empty()) {
        failure = failure_;
        return State::failed;
    }
    return pending_ > 0 ? State::pending : State::settled;
}

}  // namespace sluice::runtime
