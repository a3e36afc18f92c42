// An in-memory Kafka for the tasks' unit tests: topics are logs of records, producers
// append to them when a delivery is served, consumers of one group read them with
// assignments, pauses and commits. The test holds or fails deliveries, refuses sends,
// revokes partitions and deletes records, then watches what the task does. Everything
// happens on the task's thread inside send/serve/poll; the test thread reads under a lock.
//
// Transactions as a real broker has them: a producer with a transactional.id appends its
// records as part of its open transaction; commit marks them committed (after delivering
// what is queued), abort marks them aborted (failing what is queued). init_transactions
// fences every older producer with the same id (its calls fail fatally from then on) and
// aborts the transaction it left open. Readers are read_committed (records(), count(),
// consumers unless they ask for read_uncommitted): aborted records are skipped, and nothing
// from the first open one on is seen. The test fails the next init or commit, and reads
// every transaction's outcome and contents.
#pragma once

#include "kafka/clients.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::testing {

struct StoredRecord {
    std::optional<std::string> key, value;
    int64_t timestamp_ms = -1;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
    enum class Txn { none, open, committed, aborted };
    Txn txn = Txn::none;             // written outside any transaction, or the outcome of its transaction
    std::string transactional_id;    // of the producer that wrote it in a transaction

    bool visible() const { return txn == Txn::none || txn == Txn::committed; }  // to read_committed
};

// What one transaction held, once it ended.
struct FakeTransaction {
    std::string transactional_id;
    bool committed = false;
    std::map<std::string, size_t> records;  // per topic
};

class FakeKafka : public kafka::ClientFactory {
public:
    struct Log {
        int64_t start = 0;  // offsets below were deleted
        std::deque<StoredRecord> records;
        int64_t end() const { return start + static_cast<int64_t>(records.size()); }
    };

    explicit FakeKafka(int partitions = 1) : default_partitions_(partitions) {}

    // ---- the test's controls -----------------------------------------------------------
    void create_topic(const std::string& topic, int partitions) {
        std::lock_guard lock(mutex_);
        topics_[topic].resize(static_cast<size_t>(partitions));
    }
    void append(const std::string& topic, int32_t partition, StoredRecord record) {
        std::lock_guard lock(mutex_);
        log(topic, partition).records.push_back(std::move(record));
    }
    // A record with this value, no key, no headers, outside any transaction.
    void append(const std::string& topic, int32_t partition, std::string value) {
        StoredRecord record;
        record.value = std::move(value);
        append(topic, partition, std::move(record));
    }
    // Records below `offset` are gone (retention).
    void delete_before(const std::string& topic, int32_t partition, int64_t offset) {
        std::lock_guard lock(mutex_);
        Log& l = log(topic, partition);
        while (l.start < offset && !l.records.empty()) {
            l.records.pop_front();
            ++l.start;
        }
    }
    // What a read_committed reader sees of a partition (the whole log: everything written).
    std::vector<StoredRecord> records(const std::string& topic, int32_t partition = 0, bool read_committed = true) {
        std::lock_guard lock(mutex_);
        auto it = topics_.find(topic);
        if (it == topics_.end() || static_cast<size_t>(partition) >= it->second.size()) return {};
        std::vector<StoredRecord> out;
        for (const auto& r : it->second[partition].records) {
            if (read_committed && r.txn == StoredRecord::Txn::open) break;  // the last stable offset
            if (!read_committed || r.visible()) out.push_back(r);
        }
        return out;
    }
    std::vector<StoredRecord> all_records(const std::string& topic, int32_t partition = 0) { return records(topic, partition, false); }
    size_t count(const std::string& topic, bool read_committed = true) {
        size_t partitions = 0;
        {
            std::lock_guard lock(mutex_);
            partitions = topics_[topic].size();
        }
        size_t n = 0;
        for (size_t p = 0; p < partitions; ++p) n += records(topic, static_cast<int32_t>(p), read_committed).size();
        return n;
    }
    // ---- transactions ----
    // The next init_transactions / commit_transaction answers this instead (once).
    void fail_next_init(kafka::TransactionError error) {
        std::lock_guard lock(mutex_);
        failing_init_ = std::move(error);
    }
    void fail_next_commit(kafka::TransactionError error) {
        std::lock_guard lock(mutex_);
        failing_commit_ = std::move(error);
    }
    // Every transaction that ended, in order.
    std::vector<FakeTransaction> transactions() {
        std::lock_guard lock(mutex_);
        return transactions_;
    }
    // A commit_transaction is waiting for held deliveries.
    bool committing() {
        std::lock_guard lock(mutex_);
        return committing_ > 0;
    }
    // init_transactions calls per transactional.id.
    int inits(const std::string& transactional_id) {
        std::lock_guard lock(mutex_);
        auto it = epochs_.find(transactional_id);
        return it == epochs_.end() ? 0 : it->second;
    }
    // Deliveries wait (unacknowledged) until released.
    void hold_deliveries(bool hold) {
        std::lock_guard lock(mutex_);
        hold_ = hold;
    }
    // The next delivery to `topic` fails with `error` (once).
    void fail_next_delivery(const std::string& topic, std::string error) {
        std::lock_guard lock(mutex_);
        failing_[topic] = std::move(error);
    }
    // Sends to `topic` are refused at once (until cleared with nullopt).
    void refuse_sends(const std::string& topic, std::optional<kafka::Sent::Result> how) {
        std::lock_guard lock(mutex_);
        if (how) refused_[topic] = *how;
        else refused_.erase(topic);
    }
    std::optional<int64_t> committed(const std::string& group, const std::string& topic, int32_t partition) {
        std::lock_guard lock(mutex_);
        auto it = commits_.find({group, {topic, partition}});
        if (it == commits_.end()) return std::nullopt;
        return it->second;
    }
    void commit(const std::string& group, const std::string& topic, int32_t partition, int64_t offset) {
        std::lock_guard lock(mutex_);
        commits_[{group, {topic, partition}}] = offset;
    }
    // The consumers revoke these partitions at their next poll.
    void revoke(const std::string& topic, int32_t partition) {
        std::lock_guard lock(mutex_);
        revocations_.insert({topic, partition});
    }
    size_t commit_calls() {
        std::lock_guard lock(mutex_);
        return commit_calls_;
    }
    bool paused() {
        std::lock_guard lock(mutex_);
        return paused_;
    }

    // ---- kafka::ClientFactory ------------------------------------------------------------
    std::unique_ptr<kafka::Producer> producer(const std::string&, const kafka::Properties&, kafka::Producer::DeliveryHandler on_delivery,
                                              std::string&) override;
    std::unique_ptr<kafka::Consumer> consumer(const std::string&, const kafka::Properties& properties,
                                              kafka::Consumer::Listener& listener, std::string&) override;

private:
    friend class FakeProducer;
    friend class FakeConsumer;
    Log& log(const std::string& topic, int32_t partition) {
        auto& parts = topics_[topic];
        if (parts.empty()) parts.resize(static_cast<size_t>(default_partitions_));
        if (static_cast<size_t>(partition) >= parts.size()) parts.resize(static_cast<size_t>(partition) + 1);
        return parts[static_cast<size_t>(partition)];
    }

    std::mutex mutex_;
    int default_partitions_;
    std::map<std::string, std::vector<Log>> topics_;
    bool hold_ = false;
    bool paused_ = false;
    std::map<std::string, std::string> failing_;
    std::map<std::string, kafka::Sent::Result> refused_;
    std::map<std::pair<std::string, kafka::TopicPartition>, int64_t> commits_;
    std::set<kafka::TopicPartition> revocations_;
    size_t commit_calls_ = 0;
    std::map<std::string, int> epochs_;  // transactional.id -> the epoch of its newest producer
    std::optional<kafka::TransactionError> failing_init_, failing_commit_;
    std::vector<FakeTransaction> transactions_;
    int committing_ = 0;
};

// A producer: sends are queued, serve() appends them to the logs (unless held) and reports.
class FakeProducer final : public kafka::Producer {
public:
    FakeProducer(FakeKafka& kafka, DeliveryHandler on_delivery, std::string transactional_id)
        : kafka_(kafka), on_delivery_(std::move(on_delivery)), transactional_id_(std::move(transactional_id)) {}

    kafka::Sent send(const sluice_record& r, void* token, const std::function<bool()>&) override {
        Pending p;
        p.topic.assign(r.topic.data, r.topic.size);
        {
            std::lock_guard lock(kafka_.mutex_);
            if (!transactional_id_.empty() && fenced()) return {kafka::Sent::Result::failed, "Local: Fatal error: Broker: Producer fenced"};
            if (!transactional_id_.empty() && !in_transaction_)
                return {kafka::Sent::Result::failed, "Local: Erroneous state: not in a transaction"};
            auto it = kafka_.refused_.find(p.topic);
            if (it != kafka_.refused_.end()) return {it->second, "refused by the test"};
        }
        p.partition = r.partition < 0 ? 0 : r.partition;
        if (r.key.data) p.record.key.emplace(r.key.data, r.key.size);
        if (r.value.data) p.record.value.emplace(r.value.data, r.value.size);
        p.record.timestamp_ms = r.timestamp_ms;
        for (size_t h = 0; h < r.header_count; ++h) {
            const sluice_header* hdr = r.headers[h];
            p.record.headers.emplace_back(std::string(hdr->key.data, hdr->key.size),
                                          hdr->value.data ? std::optional<std::string>(std::string(hdr->value.data, hdr->value.size))
                                                          : std::nullopt);
        }
        p.token = token;
        pending_.push_back(std::move(p));
        return {};
    }

    void serve(int) override {
        std::deque<Pending> ready;
        {
            std::lock_guard lock(kafka_.mutex_);
            if (kafka_.hold_) return;
            ready.swap(pending_);
        }
        deliver(ready, "");
    }

    size_t queued() const override { return pending_.size(); }

    kafka::TransactionError init_transactions(int) override {
        std::lock_guard lock(kafka_.mutex_);
        if (kafka_.failing_init_) return *std::exchange(kafka_.failing_init_, std::nullopt);
        if (transactional_id_.empty()) return {kafka::TransactionError::Kind::fatal, "_NOT_CONFIGURED: no transactional.id"};
        epoch_ = ++kafka_.epochs_[transactional_id_];
        // The transaction an older producer of this id left open is aborted.
        end_open_records(StoredRecord::Txn::aborted);
        return {};
    }

    kafka::TransactionError begin_transaction() override {
        std::lock_guard lock(kafka_.mutex_);
        if (fenced()) return fenced_error();
        if (in_transaction_) return {kafka::TransactionError::Kind::fatal, "_STATE: a transaction is already open"};
        in_transaction_ = true;
        transaction_failed_ = false;
        return {};
    }

    kafka::TransactionError commit_transaction(int timeout_ms) override {
        {
            std::lock_guard lock(kafka_.mutex_);
            if (fenced()) return fenced_error();
            if (!in_transaction_) return {kafka::TransactionError::Kind::fatal, "_STATE: no open transaction"};
            ++kafka_.committing_;
        }
        // Like librdkafka: everything queued is delivered first (waiting while the test
        // holds deliveries, up to the timeout).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 10000 : timeout_ms);
        bool held = true;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard lock(kafka_.mutex_);
                held = kafka_.hold_;
            }
            if (!held) break;
            std::this_thread::yield();
        }
        if (!held) serve(0);
        std::lock_guard lock(kafka_.mutex_);
        --kafka_.committing_;
        if (held) return {kafka::TransactionError::Kind::retriable, "_TIMED_OUT: Local: Timed out"};
        if (kafka_.failing_commit_) {
            kafka::TransactionError e = *std::exchange(kafka_.failing_commit_, std::nullopt);
            if (e.kind == kafka::TransactionError::Kind::abortable) transaction_failed_ = true;
            return e;
        }
        if (fenced()) return fenced_error();
        if (transaction_failed_)
            return {kafka::TransactionError::Kind::abortable, "_INCONSISTENT: a record of the transaction failed to be delivered"};
        end_transaction(true);
        return {};
    }

    kafka::TransactionError abort_transaction(int) override {
        std::deque<Pending> purged;
        {
            std::lock_guard lock(kafka_.mutex_);
            if (fenced()) return fenced_error();
            purged.swap(pending_);
        }
        deliver(purged, "Local: Purged in queue");
        std::lock_guard lock(kafka_.mutex_);
        if (in_transaction_) end_transaction(false);
        return {};
    }

private:
    // kafka_.mutex_ held.
    bool fenced() const { return !transactional_id_.empty() && kafka_.epochs_[transactional_id_] != epoch_; }
    static kafka::TransactionError fenced_error() {
        return {kafka::TransactionError::Kind::fatal,
                "_FENCED: Local: This instance has been fenced by a newer instance: Broker: Producer attempted to produce with "
                "an old epoch"};
    }
    // kafka_.mutex_ held: the open records of this transactional.id (at most one producer of
    // it has a transaction open: the newest, or a zombie whose records a newer one aborts).
    void end_open_records(StoredRecord::Txn outcome) {
        for (auto& [topic, logs] : kafka_.topics_)
            for (auto& l : logs)
                for (auto& r : l.records)
                    if (r.txn == StoredRecord::Txn::open && r.transactional_id == transactional_id_) r.txn = outcome;
    }
    void end_transaction(bool committed) {
        FakeTransaction t{transactional_id_, committed, std::move(written_)};
        written_.clear();
        end_open_records(committed ? StoredRecord::Txn::committed : StoredRecord::Txn::aborted);
        kafka_.transactions_.push_back(std::move(t));
        in_transaction_ = false;
        transaction_failed_ = false;
    }

    struct Pending;
    // Appends `ready` to the logs and reports each; `purged`: fails them all with it.
    void deliver(std::deque<Pending>& ready, const std::string& purged) {
        for (auto& p : ready) {
            kafka::Delivery d;
            d.token = p.token;
            std::string error = purged;
            {
                std::lock_guard lock(kafka_.mutex_);
                auto failing = kafka_.failing_.find(p.topic);
                if (!error.empty()) {
                    // purged: never written
                } else if (!transactional_id_.empty() && fenced()) {
                    error = "Local: This instance has been fenced by a newer instance";
                } else if (failing != kafka_.failing_.end()) {
                    error = failing->second;
                    kafka_.failing_.erase(failing);
                } else {
                    FakeKafka::Log& l = kafka_.log(p.topic, p.partition);
                    d.record.offset = l.end();
                    StoredRecord stored = p.record;
                    if (!transactional_id_.empty()) {
                        stored.txn = StoredRecord::Txn::open;
                        stored.transactional_id = transactional_id_;
                        ++written_[p.topic];
                    }
                    l.records.push_back(std::move(stored));
                }
                if (!error.empty() && !transactional_id_.empty()) transaction_failed_ = true;
            }
            d.error = error;
            d.record.topic = {p.topic.data(), p.topic.size()};
            d.record.partition = p.partition;
            d.record.key = {p.record.key ? p.record.key->data() : nullptr, p.record.key ? p.record.key->size() : 0};
            d.record.value = {p.record.value ? p.record.value->data() : nullptr, p.record.value ? p.record.value->size() : 0};
            on_delivery_(d);
        }
    }

    struct Pending {
        std::string topic;
        int32_t partition = 0;
        StoredRecord record;
        void* token = nullptr;
    };
    FakeKafka& kafka_;
    DeliveryHandler on_delivery_;
    std::deque<Pending> pending_;
    std::string transactional_id_;  // empty: not transactional
    int epoch_ = 0;
    bool in_transaction_ = false;
    bool transaction_failed_ = false;  // a delivery of the open transaction failed: only abort is left
    std::map<std::string, size_t> written_;  // records of the open transaction, per topic
};

// A consumer alone in its group: at its first poll it is assigned every partition of the
// subscribed topics, then reads them from the committed offsets (or the start).
class FakeConsumer final : public kafka::Consumer {
public:
    FakeConsumer(FakeKafka& kafka, std::string group, Listener& listener, bool read_committed = true)
        : kafka_(kafka), group_(std::move(group)), listener_(listener), read_committed_(read_committed) {}

    bool subscribe(const std::vector<std::string>& topics, std::string&) override {
        topics_ = topics;
        return true;
    }

    void poll(std::vector<kafka::Consumed>& out, size_t max, int, std::string&) override {
        if (!assigned_) assign_all();
        revoke_requested();
        size_t taken = 0;
        for (auto& [tp, position] : positions_) {
            std::lock_guard lock(kafka_.mutex_);
            if (kafka_.paused_) break;
            FakeKafka::Log& l = kafka_.log(tp.topic, tp.partition);
            if (position < l.start) position = l.start;  // auto.offset.reset after a deletion
            while (position < l.end() && taken < max) {
                const StoredRecord& s = l.records[static_cast<size_t>(position - l.start)];
                if (read_committed_ && s.txn == StoredRecord::Txn::open) break;  // the last stable offset
                if (read_committed_ && !s.visible()) {
                    ++position;  // an aborted record: skipped, like a transaction marker
                    continue;
                }
                kafka::Consumed c;
                c.record.struct_size = sizeof(sluice_record);
                c.record.topic = {tp.topic.data(), tp.topic.size()};  // positions_ keys stay put
                c.record.partition = tp.partition;
                c.record.offset = position;
                c.record.key = {s.key ? s.key->data() : nullptr, s.key ? s.key->size() : 0};
                c.record.value = {s.value ? s.value->data() : nullptr, s.value ? s.value->size() : 0};
                c.record.timestamp_ms = s.timestamp_ms;
                c.native = const_cast<StoredRecord*>(&s);  // deque: stable unless deleted
                out.push_back(c);
                ++position;
                ++taken;
            }
        }
    }

    void release(kafka::Consumed& c) override { c.native = nullptr; }

    void decode_headers(std::vector<kafka::Consumed>& records, std::vector<sluice_header>& storage,
                        std::vector<const sluice_header*>& pointers) override {
        size_t total = 0;
        for (const auto& c : records) total += static_cast<const StoredRecord*>(c.native)->headers.size();
        storage.resize(total);
        pointers.resize(total);
        size_t next = 0;
        for (auto& c : records) {
            const auto& headers = static_cast<const StoredRecord*>(c.native)->headers;
            c.record.headers = pointers.data() + next;
            c.record.header_count = headers.size();
            for (const auto& [k, v] : headers) {
                storage[next] = {{k.data(), k.size()}, {v ? v->data() : nullptr, v ? v->size() : 0}};
                pointers[next] = &storage[next];
                ++next;
            }
        }
    }

    void pause(bool paused) override {
        std::lock_guard lock(kafka_.mutex_);
        kafka_.paused_ = paused;
    }

    bool commit(const std::vector<kafka::PartitionOffset>& offsets, std::string&) override {
        std::lock_guard lock(kafka_.mutex_);
        ++kafka_.commit_calls_;
        for (const auto& o : offsets) kafka_.commits_[{group_, {o.topic, o.partition}}] = o.offset;
        return true;
    }

    bool committed(std::vector<kafka::PartitionOffset>& partitions, int) override {
        std::lock_guard lock(kafka_.mutex_);
        for (auto& p : partitions) {
            auto it = kafka_.commits_.find({group_, {p.topic, p.partition}});
            p.offset = it == kafka_.commits_.end() ? -1 : it->second;
        }
        return true;
    }

    std::optional<kafka::Watermarks> cached_watermarks(const kafka::TopicPartition& tp) override {
        std::lock_guard lock(kafka_.mutex_);
        const FakeKafka::Log& l = kafka_.log(tp.topic, tp.partition);
        return kafka::Watermarks{l.start, l.end()};
    }

    void close() override {
        std::vector<kafka::PartitionOffset> all;
        for (const auto& [tp, position] : positions_) all.push_back({tp.topic, tp.partition, -1});
        if (!all.empty()) listener_.revoked(all, false);
        positions_.clear();
    }

private:
    void assign_all() {
        assigned_ = true;
        std::vector<kafka::PartitionOffset> parts;
        {
            std::lock_guard lock(kafka_.mutex_);
            for (const auto& t : topics_) {
                auto& logs = kafka_.topics_[t];
                if (logs.empty()) logs.resize(static_cast<size_t>(kafka_.default_partitions_));
                for (size_t p = 0; p < logs.size(); ++p) parts.push_back({t, static_cast<int32_t>(p), -1});
            }
        }
        listener_.assigned(parts);
        std::lock_guard lock(kafka_.mutex_);
        for (const auto& p : parts) {
            int64_t start = p.offset;
            if (start < 0) {
                auto it = kafka_.commits_.find({group_, {p.topic, p.partition}});
                start = it == kafka_.commits_.end() ? 0 : it->second;
            }
            positions_[{p.topic, p.partition}] = start;
        }
    }

    void revoke_requested() {
        std::vector<kafka::PartitionOffset> gone;
        {
            std::lock_guard lock(kafka_.mutex_);
            for (const auto& tp : kafka_.revocations_)
                if (positions_.count(tp)) gone.push_back({tp.topic, tp.partition, -1});
            kafka_.revocations_.clear();
        }
        if (gone.empty()) return;
        listener_.revoked(gone, false);
        for (const auto& g : gone) positions_.erase({g.topic, g.partition});
    }

    FakeKafka& kafka_;
    std::string group_;
    Listener& listener_;
    bool read_committed_;
    std::vector<std::string> topics_;
    bool assigned_ = false;
    std::map<kafka::TopicPartition, int64_t> positions_;
};

inline std::unique_ptr<kafka::Producer> FakeKafka::producer(const std::string&, const kafka::Properties& properties,
                                                            kafka::Producer::DeliveryHandler on_delivery, std::string&) {
    auto id = properties.find("transactional.id");
    return std::make_unique<FakeProducer>(*this, std::move(on_delivery), id == properties.end() ? "" : id->second);
}

inline std::unique_ptr<kafka::Consumer> FakeKafka::consumer(const std::string&, const kafka::Properties& properties,
                                                            kafka::Consumer::Listener& listener, std::string&) {
    auto group = properties.find("group.id");
    auto isolation = properties.find("isolation.level");
    return std::make_unique<FakeConsumer>(*this, group == properties.end() ? "" : group->second, listener,
                                          isolation == properties.end() || isolation->second != "read_uncommitted");
}

}  // namespace sluice::testing
