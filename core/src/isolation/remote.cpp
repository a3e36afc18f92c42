#include "isolation/remote.hpp"

#include "isolation/session.hpp"

#include <optional>

namespace sluice::isolation {

namespace {

std::vector<Position> positions_of(const sluice_topic_partition* const* ps, size_t count) {
    std::vector<Position> out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) out.push_back({ps[i]->topic ? ps[i]->topic : "", ps[i]->partition, ps[i]->offset});
    return out;
}

// Polls one batch ahead: as soon as a poll's records are read from the arena, the next poll
// is asked for, so that the host produces batch n+1 while the task sends batch n to Kafka
// (one process would do the two in turn). Nothing is acknowledged earlier for it: a
// prefetched batch is handed to the task by its next poll() and its offsets are stored only
// once Kafka has its records; a batch prefetched when the task stops is dropped unread, and
// polled again after a restart.
class RemoteSource final : public plugin::Source {
public:
    explicit RemoteSource(std::unique_ptr<HostSession> session) : session_(std::move(session)) {}

    plugin::Outcome poll(sluice_batch_writer* out, int32_t timeout_ms) override {
        Message done;
        plugin::Outcome outcome;
        if (stashed_) {  // answered while commit() waited for it
            done = std::move(*stashed_);
            outcome = *stashed_outcome_;
            stashed_.reset();
        } else {
            if (!in_flight_) {
                Message request;
                request.type = Type::poll;
                request.timeout_ms = timeout_ms;
                request.max_records = static_cast<uint32_t>(std::min<size_t>(out->max_records, UINT32_MAX));
                session_->begin(request, "poll");
            }
            in_flight_ = false;
            outcome = session_->end("poll", done);
        }
        if (session_->broken()) return outcome;  // the host failed: no answer to read
        if (done.count > 0) {
            outcome = read_records(done, out, outcome);
            // Records came: ask for the next batch now (not after an empty poll: no data, no hurry).
            if (outcome.ok() && !session_->broken()) {
                Message request;
                request.type = Type::poll;
                request.timeout_ms = timeout_ms;
                request.max_records = static_cast<uint32_t>(std::min<size_t>(out->max_records, UINT32_MAX));
                in_flight_ = session_->begin(request, "poll");
            }
        }
        return outcome;
    }

    plugin::Outcome commit(const sluice_source_offset* const* offsets, size_t count) override {
        if (in_flight_) {  // one request at a time: the prefetched poll's answer first
            in_flight_ = false;
            stashed_.emplace();
            stashed_outcome_ = session_->end("poll", *stashed_);
            if (session_->broken()) return *stashed_outcome_;
        }
        Message request, done;
        request.type = Type::commit;
        for (size_t i = 0; i < count; ++i)
            request.offsets.emplace_back(std::string(offsets[i]->source_partition.data, offsets[i]->source_partition.size),
                                         std::string(offsets[i]->source_offset.data, offsets[i]->source_offset.size));
        return session_->call(request, "commit", done);
    }

private:
    // The answer's records, from the arena into the task's batch.
    plugin::Outcome read_records(const Message& done, sluice_batch_writer* out, const plugin::Outcome& outcome) {
        Arena& arena = session_->arena();
        if (done.arena_used < Arena::kHeaderBytes || done.arena_used > arena.size())
            return session_->violation("poll", "its batch ends at byte " + std::to_string(done.arena_used) + " of an arena of " +
                                                   std::to_string(arena.size()));
        // Records appended before an ERROR count, as in this process.
        RecordReader reader(arena.data(), Arena::kHeaderBytes, done.arena_used);
        std::vector<sluice_header> headers;
        std::vector<const sluice_header*> pointers;
        std::string error;
        char buffer[512];
        for (uint32_t i = 0; i < done.count; ++i) {
            sluice_record r;
            if (!reader.next(r, headers, error)) return session_->violation("poll", error);
            pointers.clear();
            for (const auto& h : headers) pointers.push_back(&h);
            r.headers = pointers.empty() ? nullptr : pointers.data();
            buffer[0] = '\0';
            sluice_error err{buffer, sizeof buffer, -1};
            if (out->append(out->opaque, &r, &err) != SLUICE_OK)
                return {SLUICE_FATAL, "poll returned a malformed record " + std::to_string(i) + ": " + buffer, -1};
        }
        if (!reader.at_end()) return session_->violation("poll", "bytes left in the arena after " + std::to_string(done.count) + " records");
        return outcome;
    }

    std::unique_ptr<HostSession> session_;
    bool in_flight_ = false;                        // a prefetched poll is running in the host
    std::optional<Message> stashed_;                // its answer, read early by commit()
    std::optional<plugin::Outcome> stashed_outcome_;
};

class RemoteSink final : public plugin::Sink {
public:
    explicit RemoteSink(std::unique_ptr<HostSession> session) : session_(std::move(session)) {}

    plugin::Outcome put(const sluice_record* const* records, size_t count) override {
        Arena& arena = session_->arena();
        RecordWriter writer(arena.data(), Arena::kHeaderBytes, arena.size(), &grow_arena, &arena);
        std::string error;
        for (size_t i = 0; i < count; ++i)
            if (!writer.append(*records[i], error)) return {SLUICE_FATAL, "put: record " + std::to_string(i) + ": " + error, -1};
        Message request, done;
        request.type = Type::put;
        request.count = static_cast<uint32_t>(count);
        request.arena_used = writer.used();
        request.arena_size = arena.size();
        return session_->call(request, "put", done);
    }

    plugin::Outcome flush(sluice_topic_partition* const* positions, size_t count) override {
        return with_positions(Type::flush, "flush", positions, count, true);
    }
    plugin::Outcome open(sluice_topic_partition* const* partitions, size_t count) override {
        return with_positions(Type::open, "open", partitions, count, true);
    }
    plugin::Outcome close(const sluice_topic_partition* const* partitions, size_t count) override {
        Message request, done;
        request.type = Type::close;
        request.positions = positions_of(partitions, count);
        return session_->call(request, "close", done);
    }

private:
    // flush and open: the plugin may change each offset; the answer carries them back.
    plugin::Outcome with_positions(Type type, std::string_view callback, sluice_topic_partition* const* ps, size_t count, bool update) {
        Message request, done;
        request.type = type;
        request.positions = positions_of(ps, count);
        plugin::Outcome outcome = session_->call(request, callback, done);
        if (session_->broken() || !update) return outcome;
        if (done.positions.size() != count)
            return session_->violation(callback, "it answered " + std::to_string(done.positions.size()) + " positions for " +
                                                     std::to_string(count));
        for (size_t i = 0; i < count; ++i) ps[i]->offset = done.positions[i].offset;
        return outcome;
    }

    std::unique_ptr<HostSession> session_;
};

}  // namespace

template <>
std::unique_ptr<plugin::Source> create_remote<plugin::Source>(const RemoteSpec& spec, const sluice_host* host, std::string& error) {
    auto session = HostSession::start(spec, host, error);
    if (!session) return nullptr;
    return std::make_unique<RemoteSource>(std::move(session));
}

template <>
std::unique_ptr<plugin::Sink> create_remote<plugin::Sink>(const RemoteSpec& spec, const sluice_host* host, std::string& error) {
    auto session = HostSession::start(spec, host, error);
    if (!session) return nullptr;
    return std::make_unique<RemoteSink>(std::move(session));
}

}  // namespace sluice::isolation
