#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing, builds,
# runs every unit and integration test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@")
# Then every libFuzzer target for a short, bounded time (docs/fuzzing.md): 20 s each by
# default, SLUICE_FUZZ_SECONDS to change it, 0 to skip. Skipped when ctest was given a
# selection (scripts/test.sh -R foo) unless SLUICE_FUZZ_SECONDS is set.
fuzz_seconds=${SLUICE_FUZZ_SECONDS:-20}
if (($# > 0)) && [[ -z ${SLUICE_FUZZ_SECONDS:-} ]]; then fuzz_seconds=0; fi
if ((fuzz_seconds > 0)); then scripts/fuzz.sh "$fuzz_seconds"; fi
