#include "kafka/consumer.hpp"

#include "common/log.hpp"
#include "kafka/partition_list.hpp"

#include <cstring>

namespace sluice::kafka {
namespace {

std::vector<PartitionOffset> from_list(const rd_kafka_topic_partition_list_t* list) {
    std::vector<PartitionOffset> parts;
    parts.reserve(list->cnt);
    for (int i = 0; i < list->cnt; ++i) {
        const auto& e = list->elems[i];
        parts.push_back({e.topic, e.partition, e.offset >= 0 ? e.offset : -1});
    }
    return parts;
}

class KafkaConsumer final : public Consumer {
public:
    explicit KafkaConsumer(Listener& listener) : listener_(listener) {}
    ~KafkaConsumer() override { client_.reset(); }

    bool open(const std::string& name, const Properties& properties, std::string& error) {
        client_ = open_client(RD_KAFKA_CONSUMER, name, properties, this,
                              [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_rebalance_cb(conf, &KafkaConsumer::on_rebalance); }, error);
        if (!client_) return false;
        rd_kafka_poll_set_consumer(client_.get());
        return true;
    }

    bool subscribe(const std::vector<std::string>& topics, std::string& error) override {
        auto list = make_partition_list(topics.size());
        for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
        if (rd_kafka_resp_err_t err = rd_kafka_subscribe(client_.get(), list.get())) {
            error = rd_kafka_err2str(err);
            return false;
        }
        return true;
    }

    void poll(std::vector<Consumed>& out, size_t max, int timeout_ms, std::string& fatal) override {
        rd_kafka_t* rk = client_.get();
        size_t taken = 0;
        for (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, timeout_ms); m != nullptr; m = rd_kafka_consumer_poll(rk, 0)) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                    if (rd_kafka_fatal_error(rk, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR)
                        fatal = std::string("Kafka consumer failed: ") + rd_kafka_message_errstr(m);
                    else
                        log::warn("consumer: ", rd_kafka_message_errstr(m));
                }
                rd_kafka_message_destroy(m);
                continue;
            }
            out.push_back(view(m));
            if (++taken >= max) break;
        }
    }

    void release(Consumed& c) override {
        if (c.native) rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(c.native));
        c.native = nullptr;
    }

    // librdkafka parses a record's headers on the first rd_kafka_message_headers() (for
    // every record: the header count is part of the header bytes); asked once per message.
    void decode_headers(std::vector<Consumed>& records, std::vector<sluice_header>& storage,
                        std::vector<const sluice_header*>& pointers) override {
        headers_.resize(records.size());
        size_t total = 0;
        for (size_t i = 0; i < records.size(); ++i) {
            rd_kafka_headers_t* h = nullptr;
            if (rd_kafka_message_headers(static_cast<rd_kafka_message_t*>(records[i].native), &h) != RD_KAFKA_RESP_ERR_NO_ERROR)
                h = nullptr;
            headers_[i] = h;
            if (h) total += rd_kafka_header_cnt(h);
        }
        storage.resize(total);  // sized once: records point into it
        pointers.resize(total);
        size_t next = 0;
        for (size_t i = 0; i < records.size(); ++i) {
            sluice_record& r = records[i].record;
            r.headers = nullptr;
            r.header_count = 0;
            rd_kafka_headers_t* h = headers_[i];
            if (h == nullptr) continue;
            const size_t count = rd_kafka_header_cnt(h);
            r.headers = pointers.data() + next;
            r.header_count = count;
            for (size_t j = 0; j < count; ++j) {
                const char* name = nullptr;
                const void* value = nullptr;
                size_t size = 0;
                rd_kafka_header_get_all(h, j, &name, &value, &size);
                storage[next] = {{name, std::strlen(name)}, {static_cast<const char*>(value), value ? size : 0}};
                pointers[next] = &storage[next];
                ++next;
            }
        }
    }

    void pause(bool paused) override {
        rd_kafka_topic_partition_list_t* parts = nullptr;
        if (rd_kafka_assignment(client_.get(), &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
        if (paused) rd_kafka_pause_partitions(client_.get(), parts);
        else rd_kafka_resume_partitions(client_.get(), parts);
        rd_kafka_topic_partition_list_destroy(parts);
    }

    bool commit(const std::vector<PartitionOffset>& offsets, std::string& error) override {
        PartitionList list = to_partition_list(offsets);
        if (rd_kafka_resp_err_t err = rd_kafka_commit(client_.get(), list.get(), 0)) {
            error = rd_kafka_err2str(err);
            return false;
        }
        return true;
    }

    bool committed(std::vector<PartitionOffset>& partitions, int timeout_ms) override {
        PartitionList list = to_partition_list(partitions);
        if (rd_kafka_committed(client_.get(), list.get(), timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
        partitions = from_list(list.get());
        return true;
    }

    std::optional<Watermarks> cached_watermarks(const TopicPartition& tp) override {
        Watermarks w;
        if (rd_kafka_get_watermark_offsets(client_.get(), tp.topic.c_str(), tp.partition, &w.low, &w.high) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            w.high < 0)
            return std::nullopt;
        return w;
    }

    void close() override {
        if (client_) rd_kafka_consumer_close(client_.get());
    }

private:
    static Consumed view(rd_kafka_message_t* m) {
        Consumed c;
        sluice_record& r = c.record;
        r.struct_size = sizeof(sluice_record);
        r.key = {static_cast<const char*>(m->key), m->key ? m->key_len : 0};
        r.value = {static_cast<const char*>(m->payload), m->payload ? m->len : 0};
        rd_kafka_timestamp_type_t type;
        r.timestamp_ms = rd_kafka_message_timestamp(m, &type);
        if (r.timestamp_ms < 0) r.timestamp_ms = SLUICE_NO_TIMESTAMP;
        const char* name = rd_kafka_topic_name(m->rkt);
        r.topic = {name, std::strlen(name)};
        r.partition = m->partition;
        r.offset = m->offset;
        c.native = m;
        return c;
    }

    static void on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions, void* opaque) {
        static_cast<KafkaConsumer*>(static_cast<ClientContext*>(opaque)->owner)->rebalance(err, partitions);
    }

    void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
        rd_kafka_t* rk = client_.get();
        const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
        rd_kafka_error_t* e = nullptr;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            std::vector<PartitionOffset> parts = from_list(partitions);
            listener_.assigned(parts);
            for (const auto& p : parts)
                if (p.offset >= 0)
                    if (auto* elem = rd_kafka_topic_partition_list_find(partitions, p.topic.c_str(), p.partition))
                        elem->offset = p.offset;
            if (cooperative) e = rd_kafka_incremental_assign(rk, partitions);
            else rd_kafka_assign(rk, partitions);
            if (e) log::error("assigning partitions failed: ", rd_kafka_error_string(e));
        } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
            listener_.revoked(from_list(partitions), rd_kafka_assignment_lost(rk) != 0);
            if (cooperative) e = rd_kafka_incremental_unassign(rk, partitions);
            else rd_kafka_assign(rk, nullptr);
            if (e) log::error("unassigning partitions failed: ", rd_kafka_error_string(e));
        } else {
            log::error("rebalance failed: ", rd_kafka_err2str(err));
            rd_kafka_assign(rk, nullptr);
            listener_.revoked(from_list(partitions), true);
        }
        if (e) rd_kafka_error_destroy(e);
    }

    Listener& listener_;
    Client client_;
    std::vector<rd_kafka_headers_t*> headers_;
};

}  // namespace

std::unique_ptr<Consumer> open_consumer(const std::string& name, const Properties& properties, Consumer::Listener& listener,
                                        std::string& error) {
    auto consumer = std::make_unique<KafkaConsumer>(listener);
    if (!consumer->open(name, properties, error)) return nullptr;
    return consumer;
}

}  // namespace sluice::kafka
