#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing, builds,
# runs every unit and integration test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
