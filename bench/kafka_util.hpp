// Plain librdkafka clients for the benchmark's own side: a property map in, a client out.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>

namespace bench {

using Properties = std::map<std::string, std::string>;

// Throws std::runtime_error naming the property librdkafka refused.
rd_kafka_conf_t* new_conf(const Properties& properties);
// Throws std::runtime_error when the client cannot be created. Takes ownership of conf.
rd_kafka_t* new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf);
rd_kafka_t* new_client(rd_kafka_type_t type, const Properties& properties);

}  // namespace bench
