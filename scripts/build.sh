#!/usr/bin/env bash
# Configures and builds sluice into build/ (warnings are errors in our code).
# Usage: scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${SLUICE_BUILD_TYPE:-RelWithDebInfo}
cmake -S . -B build -DCMAKE_BUILD_TYPE="$build_type" -DSLUICE_WERROR=ON "$@"
cmake --build build -j"$(nproc)"
