#include "kafka_util.hpp"

#include <stdexcept>

namespace bench {

rd_kafka_conf_t* new_conf(const Properties& properties) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [key, value] : properties) {
        if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error("Kafka property " + key + "=" + value + ": " + err);
        }
    }
    return conf;
}

rd_kafka_t* new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
    if (rk == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("cannot create a Kafka client: ") + err);
    }
    return rk;
}

rd_kafka_t* new_client(rd_kafka_type_t type, const Properties& properties) {
    return new_client(type, new_conf(properties));
}

}  // namespace bench
