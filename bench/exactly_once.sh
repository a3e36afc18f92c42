#!/usr/bin/env bash
# Exactly-once sources against at-least-once (docs/exactly-once.md): sluice-bench's produce
# run (datagen -> Kafka) with the worker's exactly.once.source.support disabled, enabled
# with the poll boundary (one transaction per poll: datagen's batch.size records), and
# enabled with the interval boundary (one transaction per INTERVAL_MS), rotating the order
# run by run so that no mode always meets a calmer machine; then the medians per mode and
# their ratio to at-least-once. Against the mock cluster, whose transaction coordinator
# answers at once: a real cluster adds a coordinator round trip and replicated markers per
# commit.
#   bench/exactly_once.sh                     # 5 runs of 300 000 records per mode
#   RUNS=5 RECORDS=1000000 BATCH=1000 INTERVAL_MS=100 bench/exactly_once.sh
# Environment: SLUICE_BENCH_BUILD_DIR (default: build-bench), JOBS, RUNS, RECORDS, BATCH, INTERVAL_MS.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build-bench}"
runs="${RUNS:-5}"
records="${RECORDS:-300000}"
batch="${BATCH:-1000}"
interval="${INTERVAL_MS:-100}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

if [[ ! -x $build/bin/sluice-bench ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j "${JOBS:-2}" --target sluice-bench
fi

modes=(at-least-once eos-poll eos-interval)
args_for() {
  case "$1" in
    at-least-once) echo "--worker exactly.once.source.support=disabled" ;;
    eos-poll) echo "--worker exactly.once.source.support=enabled" ;;
    eos-interval) echo "--worker exactly.once.source.support=enabled --source transaction.boundary=interval --source transaction.boundary.interval.ms=$interval" ;;
  esac
}

for ((i = 1; i <= runs; i++)); do
  for ((j = 0; j < ${#modes[@]}; j++)); do
    mode="${modes[$(((i + j) % ${#modes[@]}))]}"
    echo "== run $i: $mode" >&2
    # shellcheck disable=SC2046
    "$build/bin/sluice-bench" --only produce --runs 1 --records "$records" --datagen "batch.size=$batch" $(args_for "$mode") \
      --json "$out/$mode-$i.json" >"$out/$mode-$i.log" 2>&1 || { cat "$out/$mode-$i.log"; exit 1; }
  done
done

python3 - "$out" "$runs" "$records" "$batch" "$interval" <<'PY'
import json, statistics, sys, glob
out, runs, records, batch, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def rows(mode):
    r = []
    for f in sorted(glob.glob(f"{out}/{mode}-*.json")):
        r += [x for x in json.load(open(f))["runs_detail"] if x["side"] == "sluice" and x["phase"] == "produce"]
    return r
def med(rs, key):
    v = [x[key] for x in rs if key in x]
    return statistics.median(v) if v else float("nan")
print(f"exactly-once sources: {records} records, datagen batch.size {batch}, interval {interval} ms, median of {runs} runs per mode")
print(f"{'mode':14} {'records/s':>11} {'min':>9} {'max':>9} {'CPU us/rec':>11} {'vs at-least-once':>17}")
base = med(rows("at-least-once"), "records_per_s")
for m in ("at-least-once", "eos-poll", "eos-interval"):
    rs = rows(m)
    v = [x["records_per_s"] for x in rs]
    print(f"{m:14} {med(rs, 'records_per_s'):11.0f} {min(v):9.0f} {max(v):9.0f} {med(rs, 'cpu_us_per_record'):11.2f} {med(rs, 'records_per_s') / base:17.3f}")
PY
