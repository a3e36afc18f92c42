// Which tasks this worker runs. Standalone: all of them (no placement). In a cluster, every
// worker holds every connector but runs only the tasks placed on it (cluster/placement).
#pragma once

#include <string>

namespace sluice::runtime {

class TaskPlacement {
public:
    virtual ~TaskPlacement() = default;
    // Called from lifecycle threads, often: cheap and thread-safe.
    virtual bool runs(const std::string& connector, int task_id) const = 0;
};

}  // namespace sluice::runtime
