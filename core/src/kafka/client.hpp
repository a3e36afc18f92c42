// librdkafka clients with ownership: rd_kafka_conf_t checked property by property (its
// message names the property), worker logging wired in, and the rd_kafka_t destroyed
// before the context its callbacks use.
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace sluice::kafka {

using Properties = std::map<std::string, std::string>;

// The librdkafka version the worker runs with (for --version).
inline const char* library_version() { return rd_kafka_version_str(); }

// What librdkafka's callbacks get as their opaque: the client's name for log lines and
// the object that handles its events (delivery reports, rebalances).
struct ClientContext {
    std::string name;
    void* owner = nullptr;
};

class ClientConfig {
public:
    explicit ClientConfig(std::string name);
    ~ClientConfig();
    ClientConfig(const ClientConfig&) = delete;
    ClientConfig& operator=(const ClientConfig&) = delete;

    // The problem when librdkafka refuses a property or value.
    std::optional<std::string> set(const std::string& key, const std::string& value);
    std::optional<std::string> set_all(const Properties& properties);

    rd_kafka_conf_t* get() { return conf_; }
    ClientContext& context() { return *context_; }

private:
    friend class Client;
    rd_kafka_conf_t* conf_;
    std::unique_ptr<ClientContext> context_;
};

class Client {
public:
    Client() = default;
    // Consumes the configuration; on failure the client is empty and error is set.
    Client(rd_kafka_type_t type, ClientConfig& config, std::string& error);
    ~Client();
    Client(Client&& other) noexcept;
    Client& operator=(Client&& other) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    rd_kafka_t* get() const { return rk_; }
    explicit operator bool() const { return rk_ != nullptr; }
    const std::string& name() const { return context_->name; }
    void reset();
    // Forgets the client without destroying it (left for the process exit to reclaim), for
    // the one case where librdkafka's destroy would abort the process.
    void abandon() {
        rk_ = nullptr;
        (void)context_.release();
    }

private:
    rd_kafka_t* rk_ = nullptr;
    std::unique_ptr<ClientContext> context_;
};

// A client named `name` with `properties`; its callbacks get `owner` through their
// ClientContext, and `configure` adds them. Empty with `error` set on failure.
Client open_client(rd_kafka_type_t type, const std::string& name, const Properties& properties, void* owner,
                   const std::function<void(rd_kafka_conf_t*)>& configure, std::string& error);

}  // namespace sluice::kafka
