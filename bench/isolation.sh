#!/usr/bin/env bash
# Process isolation against in-process (docs/plugin-isolation.md): sluice-bench's produce
# (datagen -> Kafka) and consume (Kafka -> blackhole) runs with the worker's
# plugin.isolation set to in-process and to process, alternating run by run (in-process
# first on odd runs, process first on even ones) so that neither side always meets a calmer
# machine; then the medians per mode, their ratio, CPU per record (worker + plugin hosts) and
# the plugin hosts' VmHWM.
#   bench/isolation.sh                        # 5 pairs of 1 000 000 records (fewer: sluice may commit too seldom to measure)
#   RUNS=5 RECORDS=1000000 bench/isolation.sh
# Environment: SLUICE_BENCH_BUILD_DIR (default: build-bench), JOBS, RUNS, RECORDS.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build-bench}"
runs="${RUNS:-5}"
records="${RECORDS:-1000000}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

if [[ ! -x $build/bin/sluice-bench ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j "${JOBS:-2}" --target sluice-bench
fi

for ((i = 1; i <= runs; i++)); do
  if ((i % 2)); then order=(in-process process); else order=(process in-process); fi
  for mode in "${order[@]}"; do
    echo "== run $i: plugin.isolation=$mode" >&2
    "$build/bin/sluice-bench" --runs 1 --records "$records" --worker "plugin.isolation=$mode" \
      --json "$out/$mode-$i.json" >"$out/$mode-$i.log" 2>&1 || { cat "$out/$mode-$i.log"; exit 1; }
  done
done

python3 - "$out" "$runs" "$records" <<'PY'
import json, statistics, sys, glob
out, runs, records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def runs_of(mode):
    rows = []
    for f in sorted(glob.glob(f"{out}/{mode}-*.json")):
        rows += [r for r in json.load(open(f))["runs_detail"] if r["side"] == "sluice"]
    return rows
def med(rows, phase, key):
    v = [r[key] for r in rows if r["phase"] == phase and key in r]
    return statistics.median(v) if v else float("nan")
modes = {m: runs_of(m) for m in ("in-process", "process")}
print(f"plugin isolation: {records} records, median of {runs} runs per mode")
print(f"{'phase':8} {'mode':11} {'records/s':>11} {'CPU us/rec':>11} {'worker VmHWM':>13} {'host VmHWM':>11}")
for phase in ("produce", "consume"):
    for m, rows in modes.items():
        print(f"{phase:8} {m:11} {med(rows, phase, 'records_per_s'):11.0f} {med(rows, phase, 'cpu_us_per_record'):11.2f}"
              f" {med(rows, phase, 'vmhwm_mib'):10.1f} MiB {med(rows, phase, 'plugin_host_vmhwm_mib'):8.1f} MiB")
    ratio = med(modes["process"], phase, "records_per_s") / med(modes["in-process"], phase, "records_per_s")
    print(f"{phase:8} process / in-process throughput: {ratio:.3f} (goal >= 0.90)")
PY
