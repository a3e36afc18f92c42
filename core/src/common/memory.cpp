#include "common/memory.hpp"

#include <malloc.h>

namespace sluice {

void release_free_memory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

}  // namespace sluice
