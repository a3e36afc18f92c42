// The sluice commands; each returns the process exit code.
#pragma once

#include "app/options.hpp"

namespace sluice::app {

int run_command(const Options& options);
int validate_command(const Options& options);
int check_command(const Options& options);
int plugins_command(const Options& options);

}  // namespace sluice::app
