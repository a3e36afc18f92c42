// Compiled as part of kafka/: its own headers and config/'s (below it) must be found.
// build.layering expects this file to compile.
#include "config/worker_config.hpp"
#include "kafka/client.hpp"
