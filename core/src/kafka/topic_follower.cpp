#include "kafka/topic_follower.hpp"

#include "common/log.hpp"

namespace sluice::kafka {

TopicFollower::TopicFollower(Cluster& cluster, std::string topic, std::string name, Handler each)
    : cluster_(cluster), topic_(std::move(topic)), name_(std::move(name)), each_(std::move(each)) {}

TopicFollower::~TopicFollower() { stop(); }

void TopicFollower::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (consumer_) rd_kafka_consumer_close(consumer_.get());
    consumer_.reset();
}

bool TopicFollower::start(std::chrono::milliseconds timeout, std::string& error) {
    auto count = cluster_.partition_count(topic_, static_cast<int>(timeout.count()), error);
    if (!count) {
        if (error.empty()) error = "topic " + topic_ + " does not exist";
        return false;
    }
    partitions_ = *count;
    Properties props = cluster_.consumer_properties();
    props.erase("partition.assignment.strategy");
    props["group.id"] = name_;  // never joins: partitions are assigned by hand
    props["enable.partition.eof"] = "false";
    props["fetch.wait.max.ms"] = "100";  // a change shows on every worker within a fetch
    consumer_ = open_client(RD_KAFKA_CONSUMER, name_, props, nullptr, nullptr, error);
    if (!consumer_) return false;
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions_);
    for (int32_t p = 0; p < partitions_; ++p)
        rd_kafka_topic_partition_list_add(assignment, topic_.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    if (err) {
        error = std::string("cannot read ") + topic_ + ": " + rd_kafka_err2str(err);
        return false;
    }
    next_.assign(static_cast<size_t>(partitions_), 0);
    thread_ = std::thread([this] { run(); });
    return true;
}

void TopicFollower::run() {
    rd_kafka_t* rk = consumer_.get();
    while (!stop_) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
        if (m == nullptr) {
            // Idle, nothing being handled: the consumer's position may be past offsets that hold
            // no record (transaction markers), which sync() must count as read.
            rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions_);
            for (int32_t p = 0; p < partitions_; ++p) rd_kafka_topic_partition_list_add(list, topic_.c_str(), p);
            if (rd_kafka_position(rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                std::lock_guard lock(mutex_);
                for (int i = 0; i < list->cnt; ++i) {
                    const auto p = static_cast<size_t>(list->elems[i].partition);
                    if (p < next_.size() && list->elems[i].offset > next_[p]) next_[p] = list->elems[i].offset;
                }
                advanced_.notify_all();
            }
            rd_kafka_topic_partition_list_destroy(list);
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) log::warn("reading ", topic_, ": ", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        FollowedRecord r;
        r.partition = m->partition;
        r.offset = m->offset;
        if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) r.value = std::string(static_cast<const char*>(m->payload), m->len);
        rd_kafka_message_destroy(m);
        each_(r);
        std::lock_guard lock(mutex_);
        if (r.partition >= 0 && r.partition < partitions_) next_[static_cast<size_t>(r.partition)] = r.offset + 1;
        advanced_.notify_all();
    }
}

bool TopicFollower::sync(std::chrono::milliseconds timeout, std::string& error) {
    if (!consumer_) {
        error = "the reader of " + topic_ + " is not running";
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<int64_t> ends(static_cast<size_t>(partitions_), 0);
    for (int32_t p = 0; p < partitions_; ++p) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        int64_t low = 0, high = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(consumer_.get(), topic_.c_str(), p, &low, &high,
                                                                   static_cast<int>(std::max<int64_t>(left, 1)));
        if (err) {
            error = "Kafka did not answer for " + topic_ + "[" + std::to_string(p) + "]: " + rd_kafka_err2str(err);
            return false;
        }
        ends[static_cast<size_t>(p)] = high > low ? high : 0;  // an empty partition holds nothing to wait for
    }
    std::unique_lock lock(mutex_);
    // next_ counts only what the handler has finished with (see run()).
    auto caught_up = [&] {
        for (int32_t p = 0; p < partitions_; ++p)
            if (next_[static_cast<size_t>(p)] < ends[static_cast<size_t>(p)]) return false;
        return true;
    };
    while (!caught_up()) {
        if (advanced_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100))) ==
                std::cv_status::timeout &&
            std::chrono::steady_clock::now() >= deadline) {
            error = "this worker has not read " + topic_ + " up to the latest change within " + std::to_string(timeout.count()) + " ms";
            return false;
        }
    }
    return true;
}

}  // namespace sluice::kafka
