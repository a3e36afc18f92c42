// Writing a failed record to the dead-letter topic: unchanged key, value, timestamp and
// headers, plus the context headers when errors.deadletterqueue.context.headers.enable.
#pragma once

#include "runtime/error_handler.hpp"

#include <librdkafka/rdkafka.h>

#include <string>
#include <utility>
#include <vector>

namespace sluice::runtime {

// Hands the record to the producer (waiting while its queue is full, up to 30 s). The
// delivery report carries `opaque`. NO_ERROR when handed over.
rd_kafka_resp_err_t produce_dead_letter(rd_kafka_t* rk, rd_kafka_topic_t* topic, const ErrantRecord& record,
                                        const std::vector<std::pair<std::string, std::string>>& context, void* opaque);

}  // namespace sluice::runtime
