// A task's view of its plugin instance: the callbacks of its kind, whoever serves them.
// plugin::SourceInstance / SinkInstance call the .so in this process; isolation::
// RemoteSource / RemoteSink forward every call to a plugin host process. Tasks hold these
// interfaces and cannot tell which one they got.
#pragma once

#include "plugin/call.hpp"

#include <sluice/abi.h>

namespace sluice::plugin {

class Source {
public:
    virtual ~Source() = default;
    virtual Outcome poll(sluice_batch_writer* out, int32_t timeout_ms) = 0;
    virtual Outcome commit(const sluice_source_offset* const* offsets, size_t count) = 0;
};

class Sink {
public:
    virtual ~Sink() = default;
    virtual Outcome put(const sluice_record* const* records, size_t count) = 0;
    virtual Outcome flush(sluice_topic_partition* const* positions, size_t count) = 0;
    virtual Outcome open(sluice_topic_partition* const* partitions, size_t count) = 0;
    virtual Outcome close(const sluice_topic_partition* const* partitions, size_t count) = 0;
};

}  // namespace sluice::plugin
