#include "kafka/producer.hpp"

#include <cstring>
#include <functional>
#include <map>

namespace sluice::kafka {
namespace {

// Views into the caller's memory (librdkafka copies them). A null key: no key; a null
// value: a tombstone.
struct OutgoingRecord {
    rd_kafka_topic_t* topic = nullptr;
    int32_t partition = RD_KAFKA_PARTITION_UA;
    const void* key = nullptr;
    size_t key_size = 0;
    const void* value = nullptr;
    size_t value_size = 0;
    int64_t timestamp_ms = 0;               // 0: the producer's clock
    rd_kafka_headers_t* headers = nullptr;  // owned: Kafka's on success, destroyed otherwise
    void* opaque = nullptr;                 // the delivery report's
};

rd_kafka_resp_err_t produce_once(rd_kafka_t* rk, const OutgoingRecord& r) {
    // RD_KAFKA_V_HEADERS takes ownership and must not be given NULL: hence two spellings.
    auto* value = const_cast<void*>(r.value);
    if (r.headers != nullptr)
        return rd_kafka_producev(rk, RD_KAFKA_V_RKT(r.topic), RD_KAFKA_V_PARTITION(r.partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, r.value_size),
                                 RD_KAFKA_V_KEY(r.key, r.key_size), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                                 RD_KAFKA_V_HEADERS(r.headers), RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
    return rd_kafka_producev(rk, RD_KAFKA_V_RKT(r.topic), RD_KAFKA_V_PARTITION(r.partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, r.value_size),
                             RD_KAFKA_V_KEY(r.key, r.key_size), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                             RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
}

// Produces the record. While the producer's queue is full (Kafka is slower than the
// caller) it serves delivery reports and tries again, until `give_up` answers true: then
// RD_KAFKA_RESP_ERR__QUEUE_FULL. The headers are Kafka's on success, destroyed otherwise.
rd_kafka_resp_err_t produce(rd_kafka_t* producer, OutgoingRecord record, const std::function<bool()>& give_up) {
    rd_kafka_resp_err_t err;
    while ((err = produce_once(producer, record)) == RD_KAFKA_RESP_ERR__QUEUE_FULL && !give_up())
        rd_kafka_poll(producer, 10);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && record.headers != nullptr)
        rd_kafka_headers_destroy(record.headers);  // ownership passes only on success
    return err;
}

void decode_message_headers(const Delivery& d, std::vector<sluice_header>& storage, std::vector<const sluice_header*>& pointers) {
    auto* m = static_cast<rd_kafka_message_t*>(const_cast<void*>(d.native));
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || headers == nullptr) return;
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
        storage.push_back({{name, std::strlen(name)}, {static_cast<const char*>(value), value ? size : 0}});
    for (const auto& h : storage) pointers.push_back(&h);
}

// Errors of producev() that concern the record, not the producer or the cluster.
bool record_refused(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
           err == RD_KAFKA_RESP_ERR__INVALID_ARG;
}

// librdkafka's error object, classified as its documentation asks (an error neither
// retriable nor abortable is treated as fatal), and destroyed.
TransactionError transaction_error(rd_kafka_t* rk, rd_kafka_error_t* error) {
    if (error == nullptr) return {};
    TransactionError out;
    out.message = std::string(rd_kafka_error_name(error)) + ": " + rd_kafka_error_string(error);
    if (rd_kafka_error_txn_requires_abort(error)) out.kind = TransactionError::Kind::abortable;
    else if (rd_kafka_error_is_retriable(error) && !rd_kafka_error_is_fatal(error)) out.kind = TransactionError::Kind::retriable;
    else out.kind = TransactionError::Kind::fatal;
    rd_kafka_error_destroy(error);
    if (out.kind == TransactionError::Kind::fatal) {
        // After a fatal error every call answers _FATAL: the error that caused it says why
        // (PRODUCER_FENCED / INVALID_PRODUCER_EPOCH for a zombie).
        char reason[512];
        const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, reason, sizeof reason);
        if (cause != RD_KAFKA_RESP_ERR_NO_ERROR && out.message.find(reason) == std::string::npos)
            out.message += " (fatal: " + std::string(rd_kafka_err2name(cause)) + ": " + reason + ")";
    }
    return out;
}

class KafkaProducer final : public Producer {
public:
    KafkaProducer(DeliveryHandler on_delivery) : on_delivery_(std::move(on_delivery)) {}
    ~KafkaProducer() override {
        for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
        topics_.clear();
        client_.reset();
    }

    bool open(const std::string& name, const Properties& properties, std::string& error) {
        client_ = open_client(RD_KAFKA_PRODUCER, name, properties, this,
                              [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, &KafkaProducer::delivered); }, error);
        return static_cast<bool>(client_);
    }

    Sent send(const sluice_record& r, void* token, const std::function<bool()>& give_up) override {
        OutgoingRecord out;
        out.topic = topic(std::string_view(r.topic.data, r.topic.size));
        out.partition = r.partition;
        out.key = r.key.data;
        out.key_size = r.key.data ? r.key.size : 0;
        out.value = r.value.data;
        out.value_size = r.value.data ? r.value.size : 0;
        out.timestamp_ms = r.timestamp_ms >= 0 ? r.timestamp_ms : 0;
        out.opaque = token;
        if (r.header_count > 0) {
            out.headers = rd_kafka_headers_new(r.header_count);
            for (size_t h = 0; h < r.header_count; ++h) {
                const sluice_header* hdr = r.headers[h];
                rd_kafka_header_add(out.headers, hdr->key.data, static_cast<ssize_t>(hdr->key.size), hdr->value.data,
                                    hdr->value.data ? static_cast<ssize_t>(hdr->value.size) : 0);
            }
        }
        const rd_kafka_resp_err_t err = produce(client_.get(), out, give_up);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return {Sent::Result::stopped, rd_kafka_err2str(err)};
        return {record_refused(err) ? Sent::Result::refused : Sent::Result::failed, rd_kafka_err2str(err)};
    }

    void serve(int timeout_ms) override { rd_kafka_poll(client_.get(), timeout_ms); }
    size_t queued() const override { return static_cast<size_t>(rd_kafka_outq_len(client_.get())); }

    TransactionError init_transactions(int timeout_ms) override {
        return transaction_error(client_.get(), rd_kafka_init_transactions(client_.get(), timeout_ms));
    }
    TransactionError begin_transaction() override {
        return transaction_error(client_.get(), rd_kafka_begin_transaction(client_.get()));
    }
    TransactionError commit_transaction(int timeout_ms) override {
        return transaction_error(client_.get(), rd_kafka_commit_transaction(client_.get(), timeout_ms));
    }
    TransactionError abort_transaction(int timeout_ms) override {
        return transaction_error(client_.get(), rd_kafka_abort_transaction(client_.get(), timeout_ms));
    }

private:
    // A handle per topic, looked up by name; a run of records to one topic hits the cache.
    rd_kafka_topic_t* topic(std::string_view name) {
        if (last_ != nullptr && last_name_ == name) return last_;
        auto it = topics_.find(name);
        if (it == topics_.end()) {
            std::string n(name);
            it = topics_.emplace(n, rd_kafka_topic_new(client_.get(), n.c_str(), nullptr)).first;
        }
        last_name_ = it->first;
        last_ = it->second;
        return last_;
    }

    static void delivered(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        auto* self = static_cast<KafkaProducer*>(static_cast<ClientContext*>(opaque)->owner);
        Delivery d;
        d.token = m->_private;
        const char* topic = rd_kafka_topic_name(m->rkt);
        d.record.struct_size = sizeof(sluice_record);
        d.record.topic = {topic, std::strlen(topic)};
        d.record.partition = m->partition;
        d.record.offset = m->offset;
        d.record.key = {static_cast<const char*>(m->key), m->key ? m->key_len : 0};
        d.record.value = {static_cast<const char*>(m->payload), m->payload ? m->len : 0};
        rd_kafka_timestamp_type_t type;
        d.record.timestamp_ms = rd_kafka_message_timestamp(m, &type);
        if (m->err) d.error = rd_kafka_err2str(m->err);
        d.native = m;
        d.decode_headers = &decode_message_headers;
        self->on_delivery_(d);
    }

    DeliveryHandler on_delivery_;
    Client client_;
    std::map<std::string, rd_kafka_topic_t*, std::less<>> topics_;
    std::string_view last_name_;  // a key of topics_
    rd_kafka_topic_t* last_ = nullptr;
};

}  // namespace

std::unique_ptr<Producer> open_producer(const std::string& name, const Properties& properties,
                                        Producer::DeliveryHandler on_delivery, std::string& error) {
    auto producer = std::make_unique<KafkaProducer>(std::move(on_delivery));
    if (!producer->open(name, properties, error)) return nullptr;
    return producer;
}

}  // namespace sluice::kafka
