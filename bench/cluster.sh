#!/usr/bin/env bash
# Distributed mode (docs/architecture.md, "Cluster"), measured on clusters of `sluice run`
# workers sharing one sluice-mock-kafka each:
#   failover:   3 workers, 9 tasks (3 datagen sources x 2 tasks + 3 blackhole sinks); time from
#               kill -9 of one worker to every task RUNNING on the two others, for each
#               cluster.session.timeout.ms in SESSION_TIMEOUTS; a fresh cluster per run;
#   scale-out:  the same 3-worker cluster; time from starting a fourth worker to balance (4
#               workers running 2..3 tasks each), and how many tasks moved;
#   throughput: a blackhole sink with tasks.max 3 reading RECORDS pre-filled records with 1, 2
#               and 3 workers (timed from its partition assignment until the workers' metrics
#               count every record), against kcat reading the same records in the same run;
#               CPU per record of the workers and each worker's VmHWM.
# Medians (and ranges) of several runs; the table comes last on stdout, progress on stderr.
#
#   bench/cluster.sh
#   RUNS=5 TP_RUNS=3 RECORDS=1000000 PARTITIONS=60 SESSION_TIMEOUTS="3000 10000" bench/cluster.sh
#   ONLY=throughput TP_RUNS=1 bench/cluster.sh
#
# Environment: SLUICE_BENCH_BUILD_DIR (default: build; needs sluice, sluice-mock-kafka and the
# datagen and blackhole plugins), RUNS (failover and scale-out runs, 5), TP_RUNS (throughput
# runs per worker count, 3), RECORDS (1000000), PARTITIONS (60: the mock keeps only ~5 MiB per
# partition), SESSION_TIMEOUTS (ms, "3000 10000"; scale-out and throughput use the first),
# ONLY (any of "failover scaleout throughput"), KEEP_BENCH_DIR=1 keeps the logs.
# Needs kcat and python3. Not a test: nothing here is registered with ctest.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build}"
build="$(cd "$build" 2>/dev/null && pwd)" || { echo "no build directory ${SLUICE_BENCH_BUILD_DIR:-$root/build}" >&2; exit 1; }
for f in bin/sluice bin/sluice-mock-kafka plugins/sluice_source_datagen.so plugins/sluice_sink_blackhole.so; do
  [[ -e $build/$f ]] || { echo "missing $build/$f: build sluice, sluice-mock-kafka and the plugins first (scripts/build.sh)" >&2; exit 1; }
done
for tool in kcat python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-cluster-bench-XXXXXX")
bench_pid=""
cleanup() {
  # The python driver ends its children itself; its process group is ended here too, in case
  # it was killed before it could (every worker, mock and kcat it started is in that group).
  if [[ -n $bench_pid ]]; then
    kill -TERM -- "-$bench_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 -- "-$bench_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$bench_pid" 2>/dev/null || true
  fi
  if [[ -n ${KEEP_BENCH_DIR:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# setsid: the driver leads its own process group, so that the cleanup above reaches every
# process of the run and nothing else.
BENCH_BUILD="$build" BENCH_WORK="$work" setsid python3 "$root/bench/cluster.py" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=""
exit "$status"
