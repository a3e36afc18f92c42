// The SQL sinks' buffer is the generic one of plugins/common/batch (the redis sink uses it
// too); these names keep the SQL code as it was.
#pragma once

#include <sluice/sink_buffer.hpp>

namespace sluice::sql {

using SinkBuffer = batch::SinkBuffer;

}  // namespace sluice::sql
