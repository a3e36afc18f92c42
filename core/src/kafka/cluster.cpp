#include "kafka/cluster.hpp"

#include "common/log.hpp"

namespace sluice::kafka {
namespace {

// Producer defaults chosen for safety first (idempotence, acks=all) and throughput second
// (batching, Java-compatible key partitioning so keys land where Kafka Connect puts them).
const Properties kProducerDefaults = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
    {"linger.ms", "5"},
    {"batch.num.messages", "10000"},
    {"queue.buffering.max.messages", "200000"},
    {"queue.buffering.max.kbytes", "65536"},
    {"partitioner", "murmur2_random"},
};

// Sinks commit only what they flushed; a missing committed offset starts at the beginning.
// The eager roundrobin assignor, not cooperative-sticky: see cooperative_sticky_refused().
// read_committed (librdkafka's default too, said out loud): records of aborted transactions
// are never seen, those of open ones only once committed, and the offsets topic is read the
// same way, so an exactly-once source's aborted offsets never count (docs/exactly-once.md).
const Properties kConsumerDefaults = {
    {"isolation.level", "read_committed"},
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
    {"auto.offset.reset", "earliest"},
    {"partition.assignment.strategy", "roundrobin"},
    {"enable.partition.eof", "false"},
    {"queued.max.messages.kbytes", "65536"},
};

void merge(Properties& into, const Properties& from) {
    for (const auto& [k, v] : from) into[k] = v;
}

// librdkafka before 2.3.0 aborts the whole process (rd_kafka_sticky_assignor_state_destroy:
// "Assertion 'assignor_state' failed") when a cooperative-sticky consumer is destroyed
// between its JoinGroup answer and its first assignment (librdkafka issue 4312, fixed by PR
// 4381). A REST restart, stop or delete of a sink can land in that window at any moment,
// and no bounded wait closes it, so with such a librdkafka the assignor is refused.
std::optional<std::string> cooperative_sticky_refused(const config::WorkerConfig& worker) {
    if (rd_kafka_version() >= 0x020300ff) return std::nullopt;
    for (const auto* props : {&worker.kafka_properties, &worker.consumer_properties}) {
        auto it = props->find("partition.assignment.strategy");
        if (it == props->end() || it->second.find("cooperative-sticky") == std::string::npos) continue;
        return std::string("partition.assignment.strategy=cooperative-sticky is refused with librdkafka ") +
               rd_kafka_version_str() +
               " (older than 2.3.0): it aborts the worker when a sink task stops during its first group join "
               "(librdkafka issue 4312). Use roundrobin (the default) or range.";
    }
    return std::nullopt;
}

// One transactional.id shared by every producer of the worker would make them fence each
// other; exactly-once sources get one per task from exactly.once.source.support instead.
std::optional<std::string> transactional_id_refused(const config::WorkerConfig& worker) {
    for (const auto* props : {&worker.kafka_properties, &worker.producer_properties})
        if (props->count("transactional.id"))
            return std::string("transactional.id in ") + (props == &worker.kafka_properties ? "kafka.properties" : "kafka.producer") +
                   " is refused: every producer of the worker would share it and fence the others. Set "
                   "exactly.once.source.support: enabled instead: each source task then gets a transactional.id of its own "
                   "(docs/exactly-once.md)";
    return std::nullopt;
}

}  // namespace

std::unique_ptr<Cluster> Cluster::connect(const config::WorkerConfig& worker, std::string& error) {
    if (auto refused = cooperative_sticky_refused(worker)) {
        error = *refused;
        return nullptr;
    }
    if (auto refused = transactional_id_refused(worker)) {
        error = *refused;
        return nullptr;
    }
    std::unique_ptr<Cluster> c(new Cluster());
    c->worker_ = worker;
    if (worker.embedded()) {
        c->mock_ = MockCluster::start(worker.embedded_brokers, worker.embedded_max_partitions, error);
        if (!c->mock_) return nullptr;
        c->bootstrap_ = c->mock_->bootstrap_servers();
        log::warn("no kafka.bootstrap.servers configured: started the EMBEDDED in-memory Kafka cluster at ",
                  c->bootstrap_, ". Data and offsets live in this process only and are LOST when it exits; ",
                  "each partition keeps only its last ~5 MiB. Fine for demos and tests, never for production.");
    } else {
        c->bootstrap_ = worker.bootstrap_servers;
    }
    return c;
}

Cluster::~Cluster() {
    admin_.reset();  // before the embedded cluster it talks to
}

Properties Cluster::producer_properties() const {
    Properties p = {{"bootstrap.servers", bootstrap_}};
    merge(p, kProducerDefaults);
    // Every topic of the embedded cluster is created by ensure_topic(), which counts it
    // against kafka.embedded.max.partitions: a producer may not create one behind its back.
    if (mock_) p["allow.auto.create.topics"] = "false";
    merge(p, worker_.kafka_properties);
    merge(p, worker_.producer_properties);
    return p;
}

Properties Cluster::consumer_properties() const {
    Properties p = {{"bootstrap.servers", bootstrap_}};
    merge(p, kConsumerDefaults);
    merge(p, worker_.kafka_properties);
    merge(p, worker_.consumer_properties);
    return p;
}

Properties Cluster::admin_properties() const {
    Properties p = {{"bootstrap.servers", bootstrap_}};
    merge(p, worker_.kafka_properties);
    // Asking about a topic must not create it with the broker's defaults.
    p["allow.auto.create.topics"] = "false";
    return p;
}

rd_kafka_t* Cluster::admin(std::string& error) {
    if (admin_) return admin_.get();
    ClientConfig config("admin");
    if (auto e = config.set_all(admin_properties())) {
        error = *e;
        return nullptr;
    }
    admin_ = Client(RD_KAFKA_PRODUCER, config, error);
    return admin_ ? admin_.get() : nullptr;
}

bool Cluster::reachable(int timeout_ms, std::string& error) {
    std::lock_guard lock(admin_mutex_);
    rd_kafka_t* rk = admin(error);
    if (rk == nullptr) return false;
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, nullptr, &md, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = "no Kafka broker answered at " + bootstrap_ + " within " + std::to_string(timeout_ms / 1000) +
                " s (" + rd_kafka_err2str(err) + "): is the cluster up, and kafka.bootstrap.servers right?";
        return false;
    }
    rd_kafka_metadata_destroy(md);
    return true;
}

std::optional<int> Cluster::partition_count(const std::string& topic, int timeout_ms, std::string& error) {
    std::lock_guard lock(admin_mutex_);
    rd_kafka_t* rk = admin(error);
    if (rk == nullptr) return std::nullopt;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = "metadata request for topic " + topic + " failed: " + rd_kafka_err2str(err);
        return std::nullopt;
    }
    std::optional<int> count;
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt > 0)
        count = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return count;
}

std::optional<int> Cluster::ensure_topic(const std::string& topic, int partitions, int replication,
                                         const Properties& topic_configs, std::string& error) {
    if (mock_) {
        const int before = mock_->partitions_used();
        auto count = mock_->ensure_topic(topic, partitions, error);
        if (count && mock_->partitions_used() != before) log::info("created topic ", topic, " with ", partitions, " partitions");
        return count;
    }
    if (auto existing = partition_count(topic, 10000, error)) return existing;
    Creation c = create_topic(topic, partitions, replication, topic_configs);
    if (c.created) {
        log::info("created topic ", topic, " with ", partitions, " partitions");
        return partition_count(topic, 10000, error);
    }
    log::warn("could not create topic ", topic, " (", c.error, "); relying on the broker's auto-creation");
    error.clear();
    return std::nullopt;
}

namespace {

struct AdminCall {
    rd_kafka_queue_t* queue;
    rd_kafka_AdminOptions_t* options;
    rd_kafka_event_t* event = nullptr;
    AdminCall(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms) : queue(rd_kafka_queue_new(rk)), options(rd_kafka_AdminOptions_new(rk, op)) {
        char err[512];
        rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, err, sizeof err);
    }
    ~AdminCall() {
        if (event) rd_kafka_event_destroy(event);
        rd_kafka_AdminOptions_destroy(options);
        rd_kafka_queue_destroy(queue);
    }
    // The result event, or nullptr when none came in time.
    rd_kafka_event_t* wait(int timeout_ms) { return event = rd_kafka_queue_poll(queue, timeout_ms); }
};

constexpr int kAdminTimeoutMs = 10000;

// Topic Admin calls go to the controller. librdkafka's mock cluster (no Admin API) names a
// controller that is not one of its brokers, and a call would wait out its whole timeout:
// check first, with one metadata round trip.
bool has_controller(rd_kafka_t* rk) {
    const int32_t controller = rd_kafka_controllerid(rk, 2000);
    if (controller < 0) return false;
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, nullptr, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
    bool found = false;
    for (int i = 0; i < md->broker_cnt; ++i) found = found || md->brokers[i].id == controller;
    rd_kafka_metadata_destroy(md);
    return found;
}

}  // namespace

Cluster::Creation Cluster::create_topic(const std::string& topic, int partitions, int replication, const Properties& topic_configs) {
    Creation out;
    std::lock_guard lock(admin_mutex_);
    rd_kafka_t* rk = admin(out.error);
    if (rk == nullptr) return out;
    if (!has_controller(rk)) {
        out.error = "the cluster names no controller (no Admin API)";
        return out;
    }
    char err[512];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, err, sizeof err);
    if (nt == nullptr) {
        out.answered = true;
        out.error = err;
        return out;
    }
    for (const auto& [k, v] : topic_configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    AdminCall call(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, kAdminTimeoutMs);
    rd_kafka_CreateTopics(rk, &nt, 1, call.options, call.queue);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_event_t* ev = call.wait(kAdminTimeoutMs + 2000);
    if (ev == nullptr) {
        out.error = "no answer to CreateTopics";
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        out.answered = rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR__TIMED_OUT;
        out.error = rd_kafka_event_error_string(ev);
    } else {
        out.answered = true;
        size_t n = 0;
        const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t terr = n == 1 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR__FAIL;
        out.created = terr == RD_KAFKA_RESP_ERR_NO_ERROR || terr == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
        if (!out.created)
            out.error = n == 1 && rd_kafka_topic_result_error_string(results[0]) ? rd_kafka_topic_result_error_string(results[0])
                                                                                : rd_kafka_err2str(terr);
    }
    return out;
}

std::optional<std::string> Cluster::topic_config(const std::string& topic, const std::string& key, std::string& error) {
    std::lock_guard lock(admin_mutex_);
    rd_kafka_t* rk = admin(error);
    if (rk == nullptr) return std::nullopt;
    if (!has_controller(rk)) {
        error = "the cluster names no controller (no Admin API)";
        return std::nullopt;
    }
    rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    AdminCall call(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, kAdminTimeoutMs);
    rd_kafka_DescribeConfigs(rk, &resource, 1, call.options, call.queue);
    rd_kafka_ConfigResource_destroy(resource);
    rd_kafka_event_t* ev = call.wait(kAdminTimeoutMs + 2000);
    if (ev == nullptr) {
        error = "no answer to DescribeConfigs";
        return std::nullopt;
    }
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = rd_kafka_event_error_string(ev);
        return std::nullopt;
    }
    size_t n = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    if (n != 1 || rd_kafka_ConfigResource_error(resources[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = n == 1 && rd_kafka_ConfigResource_error_string(resources[0]) ? rd_kafka_ConfigResource_error_string(resources[0])
                                                                            : "no configuration in the answer";
        return std::nullopt;
    }
    size_t count = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &count);
    for (size_t i = 0; i < count; ++i)
        if (key == rd_kafka_ConfigEntry_name(entries[i])) {
            const char* value = rd_kafka_ConfigEntry_value(entries[i]);
            return value ? std::string(value) : std::string();
        }
    error = "the broker did not list " + key;
    return std::nullopt;
}

}  // namespace sluice::kafka
