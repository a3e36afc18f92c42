#!/usr/bin/env bash
# Builds sluice, the mock cluster, the plugins and sluice-bench in Release, then runs the
# throughput benchmark. Arguments go to sluice-bench (see --help), e.g.:
#   bench/run.sh                       # 1M records, median of 5 runs
#   bench/run.sh --records 200000 --runs 3
# Environment: SLUICE_BENCH_BUILD_DIR (default: build-bench at the repository root),
#              JOBS (parallel build jobs, default 2).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build-bench}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target sluice-bench
exec "$build/bin/sluice-bench" "$@"
