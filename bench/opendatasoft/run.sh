#!/usr/bin/env bash
# Builds sluice-ods-bench in Release and runs it (median of 7 runs by default):
#   bench/opendatasoft/run.sh [--runs N]
# Environment: SLUICE_BENCH_BUILD_DIR (default: build-bench at the repository root),
#              JOBS (parallel build jobs, default 2).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build-bench}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target sluice-ods-bench
exec "$build/bin/sluice-ods-bench" "$@"
