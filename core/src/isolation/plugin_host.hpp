// `sluice plugin-host WORKER_PID`: the process side of isolation. Started only by the
// worker (host_process.cpp) with its socket on fd 3 and the task's arena on fd 4: loads
// the plugin's file with the worker's own loader and manifest checks, creates the one
// instance, and serves the worker's calls until shutdown or until the worker is gone.
#pragma once

namespace sluice::isolation {

int plugin_host_main(int argc, char** argv);

}  // namespace sluice::isolation
