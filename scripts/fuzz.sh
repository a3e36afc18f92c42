#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer) into build-fuzz/, separate from the gcc build, and runs each
# for SECONDS (default 20), one at a time, starting from the committed seeds
# (tests/fuzz/corpus/<target>), seeds made from ../shared/fixtures and what earlier runs kept
# (build-fuzz/corpus/<target>). Exits non-zero on any crash, leak, timeout or
# out-of-memory, printing how to reproduce it. docs/fuzzing.md says more.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# Environment: SLUICE_FUZZ_JOBS (build parallelism, default nproc), SLUICE_FUZZ_RSS_MB
# (per-target memory limit, default 2048), SLUICE_FUZZ_TIMEOUT (seconds one input may take,
# default 10), SLUICE_FIXTURES_DIR (default ../shared/fixtures), SLUICE_FUZZ_BUILD_DIR (default
# build-fuzz), SLUICE_FUZZ_TOLERATE=utf8 (see docs/fuzzing.md; never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
seconds=${1:-20}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi

for tool in clang clang++ cmake; do
  command -v "$tool" >/dev/null || { echo "fuzz: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 2; }
done
probe=$(mktemp)
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
    clang++ -x c++ -fsanitize=fuzzer,address,undefined -o "$probe" - 2>/dev/null; then
  rm -f "$probe"
  echo "fuzz: clang cannot link -fsanitize=fuzzer,address,undefined (libclang-rt-14-dev missing?)" >&2
  exit 2
fi
rm -f "$probe"

build=${SLUICE_FUZZ_BUILD_DIR:-build-fuzz}
started=$(date +%s)
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
CC=clang CXX=clang++ cmake -S . -B "$build" -DSLUICE_FUZZ=ON -DCMAKE_BUILD_TYPE=Fuzz "${launcher[@]}" >/dev/null
cmake --build "$build" -j"${SLUICE_FUZZ_JOBS:-$(nproc)}"
echo "fuzz: build took $(($(date +%s) - started)) s"
build=$(cd "$build" && pwd)  # absolute from here on: each target runs in its own directory

mapfile -t all_targets < "$build/fuzz/targets.txt"
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

fixtures=${SLUICE_FIXTURES_DIR:-$repo/../shared/fixtures}
seeds=$build/seeds.$$  # one per run: runs of different targets may overlap
trap 'rm -rf "$seeds"' EXIT
"$build/fuzz/make_seeds" "$fixtures" "$repo" "$seeds"

crashes=$build/crashes
mkdir -p "$crashes"
failed=()
for t in "${targets[@]}"; do
  exe=$build/fuzz/$t
  [[ -x $exe ]] || { echo "fuzz: no target $t (known: ${all_targets[*]})" >&2; exit 2; }
  corpus=$build/corpus/$t
  mkdir -p "$corpus" "$crashes/$t"
  inputs=("$corpus")
  [[ -d tests/fuzz/corpus/$t ]] && inputs+=("$repo/tests/fuzz/corpus/$t")
  [[ -d $seeds/$t ]] && inputs+=("$seeds/$t")
  # One dictionary per target, assembled from the shared ones (tests/fuzz/dict).
  case $t in
    rest_api) parts=(http json config) ;;
    yaml_config) parts=(yaml config) ;;
    connect_flat) parts=(config) ;;
    datagouv_csv) parts=(csv) ;;
    *) parts=(json) ;;
  esac
  mkdir -p "$build/dict"
  for p in "${parts[@]}"; do cat "tests/fuzz/dict/$p.dict"; done > "$build/dict/$t.dict"
  dict=(-dict="$build/dict/$t.dict")
  log=$build/logs/$t.log
  mkdir -p "$build/logs"
  # Each target runs in a scratch directory: relative ${file:...} references find nothing of ours.
  scratch=$(mktemp -d)
  echo "fuzz: $t for ${seconds}s"
  set +e
  (cd "$scratch" && TMPDIR=$scratch "$exe" "${dict[@]}" -max_total_time="$seconds" \
      -rss_limit_mb="${SLUICE_FUZZ_RSS_MB:-2048}" -timeout="${SLUICE_FUZZ_TIMEOUT:-10}" \
      -print_final_stats=1 -artifact_prefix="$crashes/$t/" "${inputs[@]}") >"$log" 2>&1
  rc=$?
  set -e
  rm -rf "$scratch"
  # libFuzzer's last status line (executions, coverage) and its speed.
  summary=$(grep -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$log" | tail -1 | sed -E 's/ +MS:.*//' || true)
  speed=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
  echo "fuzz: $t: ${summary:-no status line} (${speed:-?} exec/s)"
  if ((rc != 0)); then
    artifact=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    echo "fuzz: $t FAILED (exit $rc); log: $log" >&2
    grep -E -A1 "what\(\): |ERROR: |==sluice-fuzz==" "$log" | grep -v '^--$' | head -6 >&2 || true
    [[ -n $artifact ]] && echo "fuzz: reproduce with: $exe $artifact" >&2
    failed+=("$t")
  fi
done
echo "fuzz: $(($(date +%s) - started)) s in all (build included)${failed:+; failed: ${failed[*]}}"
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
