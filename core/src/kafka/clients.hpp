// Where tasks get their Kafka clients: librdkafka's in the worker, in-memory ones in the
// tasks' unit tests.
#pragma once

#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"

namespace sluice::kafka {

class ClientFactory {
public:
    virtual ~ClientFactory() = default;
    virtual std::unique_ptr<Producer> producer(const std::string& name, const Properties& properties,
                                               Producer::DeliveryHandler on_delivery, std::string& error) = 0;
    virtual std::unique_ptr<Consumer> consumer(const std::string& name, const Properties& properties,
                                               Consumer::Listener& listener, std::string& error) = 0;
};

// librdkafka's clients.
ClientFactory& librdkafka_clients();

}  // namespace sluice::kafka
