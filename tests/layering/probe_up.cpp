// Compiled as part of kafka/ (it links only sluice_core_kafka): runtime/ is above kafka/,
// so this include must not be found. build.layering expects this file to fail to compile.
#include "runtime/worker.hpp"
