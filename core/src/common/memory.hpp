// Giving freed memory back to the operating system.
#pragma once

namespace sluice {

// glibc keeps what threads freed in per-thread arenas, and a worker whose connectors came
// and went (each task and Kafka client has threads) would otherwise keep its peak resident
// size for ever. Call after tasks ended; it walks every arena, so not on a hot path.
void release_free_memory();

}  // namespace sluice
