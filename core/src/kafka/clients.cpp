#include "kafka/clients.hpp"

namespace sluice::kafka {
namespace {

class LibrdkafkaClients final : public ClientFactory {
public:
    std::unique_ptr<Producer> producer(const std::string& name, const Properties& properties,
                                       Producer::DeliveryHandler on_delivery, std::string& error) override {
        return open_producer(name, properties, std::move(on_delivery), error);
    }
    std::unique_ptr<Consumer> consumer(const std::string& name, const Properties& properties, Consumer::Listener& listener,
                                       std::string& error) override {
        return open_consumer(name, properties, listener, error);
    }
};

}  // namespace

ClientFactory& librdkafka_clients() {
    static LibrdkafkaClients clients;
    return clients;
}

}  // namespace sluice::kafka
