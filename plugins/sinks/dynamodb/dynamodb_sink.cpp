// The `dynamodb` sink: each record becomes a PutRequest of its JSON value (a tombstone a
// DeleteRequest of its key) in BatchWriteItem requests of up to 25 items. A put is an
// upsert of the whole item, so writing a record again after a crash leaves the table as it
// was: each key holds one item, the latest record's. Requests are sent in record order; two
// requests for the same key never share a BatchWriteItem (DynamoDB refuses that), so the
// last record of a key wins.
#include "item.hpp"
#include "settings.hpp"
#include "table.hpp"

#include <sluice/http_retry.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sluice::dynamodb {
namespace {

using Clock = std::chrono::steady_clock;

std::string coordinates(const SinkRecord& r) {
    return std::string(r.topic()) + "[" + std::to_string(r.partition()) + "]@" + std::to_string(r.offset());
}

std::string names(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

// The table's key must be the configured key.fields, in order (partition key first).
void check_key(const std::vector<KeyAttribute>& key, const Settings& s, const std::string& table, const std::string& where) {
    std::vector<std::string> actual;
    for (const auto& k : key) actual.push_back(k.name + " (" + k.type + ")");
    bool same = key.size() == s.key_fields.size();
    for (std::size_t i = 0; same && i < key.size(); ++i) same = key[i].name == s.key_fields[i];
    if (!same)
        throw FatalError("table " + table + " at " + where + " has the key [" + names(actual) + "], but key.fields is [" +
                         names(s.key_fields) + "] (partition key first, then the sort key)");
}

class DynamoDbSink : public Sink {
public:
    static std::vector<ConfigKey> config_keys() { return dynamodb::config_keys(); }
    static void validate(const Config& config, ConfigProblems& problems) { settings_spec().validate(config, problems); }

    // Pre-flight: the credentials work and, when the table name does not depend on the
    // topic, the table exists with the key key.fields names.
    static void test(const Config& config, TaskContext& context) {
        const Settings s = Settings::from(config);
        Service service(s.connection);
        const std::string table = s.table_for("{topic}");
        try {
            if (table.find("{topic}") != std::string::npos) {
                service.call("ListTables", Json{{"Limit", 1}}, "ListTables");
                context.info("table.name.format depends on the topic: each table's key is checked at its first record");
                return;
            }
            check_key(service.describe_key(table), s, table, service.where());
        } catch (const aws::Failure& f) {
            throw FatalError(f.what());
        }
    }

    DynamoDbSink(const Config& config, TaskContext& context)
        : settings_(Settings::from(config)),
          context_(context),
          service_(settings_.connection, [this] { return context_.stopping(); }) {}

    ~DynamoDbSink() override {
        context_.info("wrote " + std::to_string(puts_) + " items and deleted " + std::to_string(deletes_) + " in " +
                      std::to_string(requests_) + " BatchWriteItem requests; " + std::to_string(errant_) +
                      " records refused");
    }

    void put(const SinkRecords& records) override {
        // Every table's key schema first: a RetriableError here takes nothing.
        for (SinkRecord r : records) key_of_table(settings_.table_for(r.topic()));
        Batch batch;
        for (SinkRecord r : records) {
            const std::string table = settings_.table_for(r.topic());
            const auto& key = keys_.at(table);
            Request request{r, table, {}, {}, false};
            try {
                auto value = r.value();
                if (!value) {
                    if (!settings_.delete_on_null) continue;
                    auto record_key = r.key();
                    if (!record_key) throw ItemError("it has neither value nor key: nothing says which item to delete");
                    request.body = Json{{"DeleteRequest", {{"Key", key_of_record_key(*record_key, key)}}}};
                    request.identity = key_identity(request.body["DeleteRequest"]["Key"], key);
                    request.is_delete = true;
                } else {
                    Json parsed = Json::parse(*value, nullptr, false);
                    if (parsed.is_discarded()) throw ItemError("its value is not JSON");
                    Json item = item_of(parsed, key);
                    request.identity = key_identity(item, key);
                    request.body = Json{{"PutRequest", {{"Item", std::move(item)}}}};
                }
            } catch (const ItemError& e) {
                errant(r, table, e.what());
                continue;
            }
            // DynamoDB refuses two requests for one item in a batch: send what is before.
            if (batch.size() >= static_cast<std::size_t>(settings_.batch_size) ||
                batch.identities.count(request.table + '\x1e' + request.identity))
                send(batch);
            batch.add(std::move(request));
        }
        send(batch);
    }

private:
    struct Request {
        SinkRecord record;
        std::string table;
        Json body;  // {"PutRequest":{...}} or {"DeleteRequest":{...}}
        std::string identity;
        bool is_delete;
    };
    struct Batch {
        std::vector<Request> requests;
        std::set<std::string> identities;
        std::size_t size() const { return requests.size(); }
        void add(Request r) {
            identities.insert(r.table + '\x1e' + r.identity);
            requests.push_back(std::move(r));
        }
        void clear() {
            requests.clear();
            identities.clear();
        }
    };

    const std::vector<KeyAttribute>& key_of_table(const std::string& table) {
        auto it = keys_.find(table);
        if (it != keys_.end()) return it->second;
        std::vector<KeyAttribute> key;
        try {
            key = service_.describe_key(table);
        } catch (const aws::Failure& f) {
            if (f.retriable()) throw RetriableError(f.what());
            throw FatalError(f.what());
        }
        check_key(key, settings_, table, service_.where());
        context_.info("table " + table + ": key " + key.front().name + " (" + key.front().type + ")" +
                      (key.size() > 1 ? ", sort key " + key[1].name + " (" + key[1].type + ")" : std::string()));
        return keys_.emplace(table, std::move(key)).first->second;
    }

    void errant(const SinkRecord& r, const std::string& table, const std::string& problem) {
        ++errant_;
        context_.report_errant(*r.raw(), "record " + coordinates(r) + " not written to table " + table + " at " +
                                             service_.where() + ": " + problem);
    }

    // Writes the batch: UnprocessedItems (throttling) are sent again with backoff; a batch
    // DynamoDB refuses as invalid is written one request at a time to find the record at
    // fault, which goes to the error policy.
    void send(Batch& batch) {
        if (batch.requests.empty()) return;
        try {
            write(batch.requests);
        } catch (const aws::Failure& f) {
            if (f.retriable()) throw RetriableError(f.what());
            if (f.error().code != "ValidationException" && f.error().code != "SerializationException") throw FatalError(f.what());
            for (auto& r : batch.requests) {
                try {
                    write({r});
                } catch (const aws::Failure& single) {
                    if (single.retriable()) throw RetriableError(single.what());
                    if (single.error().code != "ValidationException") throw FatalError(single.what());
                    errant(r.record, r.table, single.error().describe());
                }
            }
        }
        batch.clear();
    }

    void write(const std::vector<Request>& requests) {
        Json items = Json::object();
        for (const auto& r : requests) items[r.table].push_back(r.body);
        const auto& c = settings_.connection;
        http::RetryPolicy retry({.backoff = c.backoff, .backoff_max = c.backoff_max, .max_attempts = c.max_attempts});
        for (int attempt = 1;; ++attempt) {
            ++requests_;
            Json unprocessed = service_.batch_write(items);
            std::size_t left = 0;
            for (auto it = unprocessed.begin(); it != unprocessed.end(); ++it) left += it.value().size();
            if (left == 0) break;
            if (retry.exhausted(attempt) || context_.stopping())
                throw aws::Failure("BatchWriteItem at " + service_.where() + ": " + std::to_string(left) +
                                       " items still unprocessed (throttled) after " + std::to_string(attempt) + " tries",
                                   true);
            context_.debug(std::to_string(left) + " unprocessed items, sending them again");
            const auto until = Clock::now() + retry.delay(attempt);
            while (Clock::now() < until && !context_.stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
            items = std::move(unprocessed);
        }
        for (const auto& r : requests) (r.is_delete ? deletes_ : puts_) += 1;
    }

    Settings settings_;
    TaskContext& context_;
    Service service_;
    std::map<std::string, std::vector<KeyAttribute>> keys_;  // table -> its key schema
    std::int64_t puts_ = 0, deletes_ = 0, requests_ = 0, errant_ = 0;
};

}  // namespace
}  // namespace sluice::dynamodb

SLUICE_SINK(sluice::dynamodb::DynamoDbSink, "dynamodb", "1.0.0",
            "Upserts JSON records as DynamoDB items (BatchWriteItem), deletes on tombstones; idempotent")
