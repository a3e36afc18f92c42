// The last line of a worker killed by a plugin it runs in-process: nothing can contain a
// crash inside the worker's own address space (plugin.isolation: process can), but the
// operator must learn which connector, task, callback and plugin file it came from. A
// handler for the fatal signals writes that one line to stderr, then lets the signal's
// default action end the process (core dump included).
#pragma once

namespace sluice::app {

// Installs the handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT. Call once, early.
void install_crash_report();

}  // namespace sluice::app
