#!/usr/bin/env bash
# Configures and builds sluice into build/ (warnings are errors in our code).
# Usage: scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${SLUICE_BUILD_TYPE:-RelWithDebInfo}
launcher=()
# ccache, when a developer has it, makes rebuilds (and several checkouts) cheap; CI has none.
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -DCMAKE_BUILD_TYPE="$build_type" -DSLUICE_WERROR=ON "${launcher[@]}" "$@"
cmake --build build -j"$(nproc)"
