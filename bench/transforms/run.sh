#!/usr/bin/env bash
# Builds the transform plugin and sluice-transforms-bench in Release, then runs the chain
# benchmark (one core). Arguments go to sluice-transforms-bench, e.g.:
#   bench/transforms/run.sh                 # median of 7 runs over 40 copies of the snapshot
#   bench/transforms/run.sh --runs 11 --copies 80
# Environment: SLUICE_BENCH_BUILD_DIR (default: build-bench at the repository root),
#              JOBS (parallel build jobs, default 2).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build-bench}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target sluice-transforms-bench
exec "$build/bin/sluice-transforms-bench" "$@"
