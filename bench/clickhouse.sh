#!/usr/bin/env bash
# ClickHouse sink benchmark: rows/s of `sluice run` with the clickhouse sink, reading a
# topic into a table, against the physical limit of the same server in the same run: one
# plain `curl` bulk insert of the same JSONEachRow rows. Also CPU seconds per million rows
# and peak RSS of the worker; with and without exactly.once; median of several runs.
#
#   bench/clickhouse.sh [--rows N] [--runs R] [--build DIR]
#
# Needs a built tree (sluice, sluice-mock-kafka, the clickhouse sink; default build dir
# build-ch, override with --build or SLUICE_BENCH_BUILD_DIR), kcat, curl and Debian's
# clickhouse-server. Everything runs on 127.0.0.1 with a private ClickHouse server and a
# private mock Kafka cluster, both removed at the end. Not a test: nothing asserts.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build-ch}"
rows=1000000
runs=5
while (($#)); do
  case $1 in
    --rows) rows=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--runs R] [--build DIR]" >&2; exit 2 ;;
  esac
done
sluice="$build/bin/sluice"
mock="$build/bin/sluice-mock-kafka"
plugins="$build/plugins"
for f in "$sluice" "$mock" "$plugins/sluice_sink_clickhouse.so"; do
  [[ -e $f ]] || { echo "missing $f: build sluice sluice-mock-kafka sluice_sink_clickhouse in $build" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-ch-bench-XXXXXX")
mock_pid=""
cleanup() {
  [[ -n $mock_pid ]] && kill "$mock_pid" 2>/dev/null || true
  "$root/scripts/clickhouse-server.sh" destroy "$work/clickhouse" >/dev/null 2>&1 || true
  if [[ -n ${KEEP_BENCH_DIR:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- ClickHouse and Kafka --------------------------------------------------------------
eval "$("$root/scripts/clickhouse-server.sh" start "$work/clickhouse")"
url=$CLICKHOUSE_URL
q() { curl -sS --fail-with-body "$url/" --data-binary "$1"; }

partitions=$(( (rows * 250 * 3 / 2) / (5 * 1024 * 1024) + 1 ))  # the mock keeps ~5 MiB per partition
partitions=$(( (partitions + 3) / 4 * 4 ))
"$mock" --topic "bench.ch:$partitions" --topic "sluice-offsets:1" >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 100); do grep -q . "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
bootstrap=$(head -n1 "$work/mock.out")
[[ -n $bootstrap ]] || { echo "sluice-mock-kafka did not print its bootstrap servers" >&2; cat "$work/mock.err" >&2; exit 1; }

# ---- the records: datagen-like road traffic readings, ~190 B of JSON each --------------
echo "generating $rows records, producing them to bench.ch ($partitions partitions) ..." >&2
awk -v n="$rows" 'BEGIN {
  for (i = 0; i < n; i++) {
    s = i % 10000; step = int(i / 10000);
    printf "S%04d\t{\"sensor_id\":\"S%04d\",\"road\":\"A%d\",\"lane\":%d,\"ts\":\"2026-11-22 %02d:%02d:00\",\"interval_s\":60,\"vehicle_count\":%d,\"avg_speed_kmh\":%.1f,\"occupancy_pct\":%.1f,\"heavy_vehicle_pct\":%.1f,\"seq\":%d}\n",
      s, s, s % 97, 1 + s % 3, int(step / 60) % 24, step % 60, (i * 7) % 40, 40 + (i % 900) / 10.0, (i % 500) / 10.0, (i % 300) / 10.0, i
  }
}' >"$work/records.tsv"
kcat -P -b "$bootstrap" -t bench.ch -K $'\t' -X queue.buffering.max.messages=1000000 -X linger.ms=20 <"$work/records.tsv"

# The curl side sends exactly what the sink sends: each value with its coordinates spliced
# in after "{" (partition/offset taken round-robin: the bytes per row are the same).
awk -F'\t' -v p="$partitions" '{ sub(/^\{/, "", $2); printf "{\"_topic\":\"bench.ch\",\"_partition\":%d,\"_offset\":%d,%s\n", NR % p, int(NR / p), $2 }' \
  "$work/records.tsv" >"$work/rows.jsonl"
bytes=$(stat -c %s "$work/rows.jsonl")

# SLUICE_BENCH_PARTITION_BY=_partition: tables with that PARTITION BY (exactly-once then
# inserts one Kafka partition per INSERT); default none, as auto.create makes them.
partition_clause=${SLUICE_BENCH_PARTITION_BY:+PARTITION BY $SLUICE_BENCH_PARTITION_BY}
create_table() {
  q "CREATE TABLE $1 (sensor_id String, road String, lane UInt8, ts DateTime, interval_s Float64, vehicle_count UInt32,
     avg_speed_kmh Float64, occupancy_pct Float64, heavy_vehicle_pct Float64, seq UInt64,
     _topic String, _partition Int32, _offset Int64) ENGINE = MergeTree $partition_clause ORDER BY (_topic, _partition, _offset)" >/dev/null
}
now() { date +%s.%N; }

# ---- one curl run: the whole file in one INSERT ------------------------------------------
curl_run() {
  local table=$1 t0 t1
  create_table "$table"
  t0=$(now)
  curl -sS --fail-with-body "$url/?query=INSERT%20INTO%20$table%20FORMAT%20JSONEachRow" --data-binary @"$work/rows.jsonl" >/dev/null
  t1=$(now)
  [[ $(q "SELECT count() FROM $table") == "$rows" ]] || { echo "curl run: wrong count" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" -v n="$rows" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

# ---- one sluice run: from the first row in the table to the last -------------------------
sluice_run() {
  local table=$1 exactly_once=$2 dir="$work/run-$1"
  mkdir -p "$dir"
  cat >"$dir/worker.yaml" <<EOF
kafka:
  bootstrap.servers: $bootstrap
  consumer:
    queued.min.messages: 1000000
    queued.max.messages.kbytes: 1048576
offset.flush.interval.ms: 1000
topic.creation.enable: false
log.progress.interval.ms: 1000
log.level: ${SLUICE_BENCH_LOG_LEVEL:-info}
EOF
  cat >"$dir/pipeline.yaml" <<EOF
name: bench
sinks:
  - name: $table
    plugin: clickhouse
    topics: [bench.ch]
    config:
      url: $url
      table: $table
      exactly.once: $exactly_once
      batch: {max.rows: ${SLUICE_BENCH_BATCH_ROWS:-100000}, max.bytes: 134217728, max.ms: 1000}
      gzip.min.bytes: ${SLUICE_BENCH_GZIP_MIN_BYTES:-0}
EOF
  create_table "$table"
  "$sluice" run --worker "$dir/worker.yaml" --plugin-dir "$plugins" "$dir/pipeline.yaml" 2>"$dir/log" &
  local pid=$! t0="" t1="" c
  for _ in $(seq 6000); do  # <= 300 s
    c=$(q "SELECT count() FROM $table")
    if [[ $c -ge $rows ]]; then t1=$(now); break; fi
    kill -0 "$pid" 2>/dev/null || { echo "sluice exited; log:" >&2; tail "$dir/log" >&2; exit 1; }
    sleep 0.02
  done
  # The clock starts when the consumer group assigned the partitions (the log line's
  # time): joining the group is Kafka's business, the same with any sink.
  t0=$(date -d "$(grep -m1 -o '^[0-9T:.-]*Z.* assigned ' "$dir/log" | cut -d' ' -f1)" +%s.%N)
  [[ -n $t1 ]] || { echo "sluice run did not finish" >&2; exit 1; }
  local cpu rss ticks
  ticks=$(getconf CLK_TCK)
  cpu=$(awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$pid/stat")
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  [[ $(q "SELECT count() FROM $table") == "$rows" ]] || { echo "sluice run: wrong count" >&2; exit 1; }
  [[ $(q "SELECT count() FROM (SELECT _partition, _offset, count() n FROM $table GROUP BY _partition, _offset HAVING n > 1)") == 0 ]] ||
    { echo "sluice run: duplicates" >&2; exit 1; }
  # rows/s, CPU s per million rows (whole process lifetime, start-up included), peak RSS MiB
  awk -v a="$t0" -v b="$t1" -v n="$rows" -v cpu="$cpu" -v rss="$rss" \
    'BEGIN { printf "%.0f %.2f %.0f\n", n / (b - a), cpu * 1000000 / n, rss / 1024 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "rows: $rows ($bytes bytes of JSONEachRow), runs: $runs, server: $(q 'SELECT version()')" >&2
printf "%-4s %12s %12s %8s %10s %8s %12s %8s %10s %8s\n" run curl_rows/s eo_rows/s eo/curl eo_cpu_s/M eo_MiB noeo_rows/s noeo/curl noeo_cpu/M noeo_MiB
for i in $(seq "$runs"); do
  # Alternate the order so neither side always meets a fresher server.
  if ((i % 2)); then
    c=$(curl_run "curl_$i"); eo=($(sluice_run "eo_$i" true)); ne=($(sluice_run "noeo_$i" false))
  else
    ne=($(sluice_run "noeo_$i" false)); eo=($(sluice_run "eo_$i" true)); c=$(curl_run "curl_$i")
  fi
  printf "%-4s %12s %12s %8.2f %10s %8s %12s %8.2f %10s %8s\n" "$i" "$c" "${eo[0]}" \
    "$(awk -v a="${eo[0]}" -v b="$c" 'BEGIN { print a / b }')" "${eo[1]}" "${eo[2]}" "${ne[0]}" \
    "$(awk -v a="${ne[0]}" -v b="$c" 'BEGIN { print a / b }')" "${ne[1]}" "${ne[2]}" | tee -a "$work/results"
  q "DROP TABLE curl_$i" >/dev/null; q "DROP TABLE eo_$i" >/dev/null; q "DROP TABLE noeo_$i" >/dev/null
done
echo "median: curl $(awk '{print $2}' "$work/results" | median) rows/s;" \
  "exactly.once $(awk '{print $3}' "$work/results" | median) rows/s (ratio $(awk '{print $4}' "$work/results" | median)," \
  "$(awk '{print $5}' "$work/results" | median) CPU s/M rows, $(awk '{print $6}' "$work/results" | median) MiB peak);" \
  "at-least-once $(awk '{print $7}' "$work/results" | median) rows/s (ratio $(awk '{print $8}' "$work/results" | median)," \
  "$(awk '{print $9}' "$work/results" | median) CPU s/M rows, $(awk '{print $10}' "$work/results" | median) MiB peak)"
