#include "kafka/client.hpp"

#include "common/log.hpp"

namespace sluice::kafka {
namespace {

const std::string& client_name(const void* opaque) {
    static const std::string unknown = "client";
    return opaque ? static_cast<const ClientContext*>(opaque)->name : unknown;
}

void log_callback(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
    // syslog levels; librdkafka's NOTICE/INFO chatter is routine, so it goes to debug.
    log::Level l = level <= 3 ? log::Level::error : level == 4 ? log::Level::warn : log::Level::debug;
    if (!log::enabled_somewhere(l)) return;  // the "kafka" logger (or one below it) decides in write()
    log::write(l, "kafka/" + client_name(rd_kafka_opaque(rk)), std::string(facility) + ": " + message);
}

void error_callback(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto code = static_cast<rd_kafka_resp_err_t>(err);
    // Broker connection hiccups are retried by librdkafka; they are noise unless all brokers are down.
    log::Level l = log::Level::warn;
    if (code == RD_KAFKA_RESP_ERR__TRANSPORT || code == RD_KAFKA_RESP_ERR__RESOLVE) l = log::Level::debug;
    if (code == RD_KAFKA_RESP_ERR__FATAL) l = log::Level::error;
    log::write(l, "kafka/" + client_name(opaque), std::string(rd_kafka_err2name(code)) + ": " + reason);
}

}  // namespace

ClientConfig::ClientConfig(std::string name) : conf_(rd_kafka_conf_new()), context_(std::make_unique<ClientContext>()) {
    context_->name = std::move(name);
    rd_kafka_conf_set_opaque(conf_, context_.get());
    rd_kafka_conf_set_log_cb(conf_, &log_callback);
    rd_kafka_conf_set_error_cb(conf_, &error_callback);
    set("client.id", "sluice-" + context_->name);
}

ClientConfig::~ClientConfig() {
    if (conf_ != nullptr) rd_kafka_conf_destroy(conf_);
}

std::optional<std::string> ClientConfig::set(const std::string& key, const std::string& value) {
    char err[512];
    if (rd_kafka_conf_set(conf_, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
        return "Kafka property " + key + ": " + err;
    return std::nullopt;
}

std::optional<std::string> ClientConfig::set_all(const Properties& properties) {
    for (const auto& [k, v] : properties)
        if (auto e = set(k, v)) return e;
    return std::nullopt;
}

Client open_client(rd_kafka_type_t type, const std::string& name, const Properties& properties, void* owner,
                   const std::function<void(rd_kafka_conf_t*)>& configure, std::string& error) {
    ClientConfig config(name);
    if (auto e = config.set_all(properties)) {
        error = *e;
        return {};
    }
    config.context().owner = owner;
    if (configure) configure(config.get());
    return Client(type, config, error);
}

Client::Client(rd_kafka_type_t type, ClientConfig& config, std::string& error) {
    char err[512];
    rk_ = rd_kafka_new(type, config.conf_, err, sizeof err);
    if (rk_ == nullptr) {
        error = "cannot create Kafka client " + config.context_->name + ": " + err;
        return;
    }
    config.conf_ = nullptr;  // owned by rk_ now
    context_ = std::move(config.context_);
}

Client::~Client() { reset(); }

void Client::reset() {
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
    rk_ = nullptr;
    context_.reset();
}

Client::Client(Client&& other) noexcept : rk_(other.rk_), context_(std::move(other.context_)) { other.rk_ = nullptr; }

Client& Client::operator=(Client&& other) noexcept {
    if (this != &other) {
        reset();
        rk_ = other.rk_;
        context_ = std::move(other.context_);
        other.rk_ = nullptr;
    }
    return *this;
}

}  // namespace sluice::kafka
