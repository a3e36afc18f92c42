#!/usr/bin/env bash
# SQL sink and source benchmark: rows/s of `sluice run` with the postgres or mysql sink,
# reading a topic into a table, against the database's own bulk path on the same rows in
# the same run (PostgreSQL: psql's \copy; MariaDB: LOAD DATA LOCAL INFILE), exactly-once
# and at-least-once; and rows/s of the source reading the table back against
# `psql -c 'COPY (SELECT ...) TO STDOUT'` / `mariadb -e 'SELECT ...'`. Also CPU seconds per
# million rows and peak RSS of the worker; median of several runs.
#
#   bench/sql.sh [--db postgres|mariadb] [--rows N] [--runs R] [--build DIR]
#
# Needs a built tree (sluice, sluice-mock-kafka, the postgres/mysql plugins; default build
# dir build, override with --build or SLUICE_BENCH_BUILD_DIR), kcat, and Debian's
# postgresql / mariadb-server. Everything runs on 127.0.0.1 with a private database server
# (durable settings: fsync on, innodb_flush_log_at_trx_commit=1) and a private mock Kafka
# cluster, both removed at the end. Not a test: nothing asserts but the row counts.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build}"
db=postgres
rows=1000000
runs=5
while (($#)); do
  case $1 in
    --db) db=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: $0 [--db postgres|mariadb] [--rows N] [--runs R] [--build DIR]" >&2; exit 2 ;;
  esac
done
[[ $db == postgres || $db == mariadb ]] || { echo "--db postgres or mariadb" >&2; exit 2; }
plugin=$([[ $db == postgres ]] && echo postgres || echo mysql)
sluice="$build/bin/sluice"
mock="$build/bin/sluice-mock-kafka"
plugins="$build/plugins"
for f in "$sluice" "$mock" "$plugins/sluice_sink_$plugin.so" "$plugins/sluice_source_$plugin.so"; do
  [[ -e $f ]] || { echo "missing $f: build sluice sluice-mock-kafka and the $plugin plugins in $build" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-sql-bench-XXXXXX")
chmod 755 "$work"
mock_pid=""
cleanup() {
  [[ -n $mock_pid ]] && kill "$mock_pid" 2>/dev/null || true
  "$root/scripts/$db-server.sh" destroy "$work/server" >/dev/null 2>&1 || true
  if [[ -n ${KEEP_BENCH_DIR:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- the database and Kafka ---------------------------------------------------------------
eval "$("$root/scripts/$db-server.sh" start "$work/server")"
if [[ $db == postgres ]]; then
  url=$POSTGRES_URL user=$POSTGRES_USER password=$POSTGRES_PASSWORD
  q() { PGPASSWORD=$password psql -X -q -At -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$user" -d sluice -v ON_ERROR_STOP=1 -c "$1"; }
  column_types="sensor_id text, road text, lane integer, ts timestamptz, interval_s integer, vehicle_count integer,
    avg_speed_kmh double precision, occupancy_pct double precision, heavy_vehicle_pct double precision, seq bigint"
  version=$(q 'SHOW server_version')
else
  url=$MARIADB_URL user=$MARIADB_USER password=$MARIADB_PASSWORD
  q() { mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$MARIADB_PORT" -u "$user" -p"$password" -N -B --local-infile=1 sluice -e "$1"; }
  column_types="sensor_id varchar(16), road varchar(16), lane int, ts datetime(6), interval_s int, vehicle_count int,
    avg_speed_kmh double, occupancy_pct double, heavy_vehicle_pct double, seq bigint"
  version=$(q 'SELECT VERSION()')
fi

partitions=$(( (rows * 250 * 3 / 2) / (5 * 1024 * 1024) + 1 ))  # the mock keeps ~5 MiB per partition
partitions=$(( (partitions + 3) / 4 * 4 ))
"$mock" --topic "bench.sql:$partitions" --topic "bench.sql.out:$partitions" --topic "sluice-offsets:1" \
  >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 100); do grep -q . "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
bootstrap=$(head -n1 "$work/mock.out")
[[ -n $bootstrap ]] || { echo "sluice-mock-kafka did not print its bootstrap servers" >&2; cat "$work/mock.err" >&2; exit 1; }

# ---- the records: datagen-like road traffic readings, ~190 B of JSON each ----------------
# The same rows twice: JSON values for Kafka, tab-separated for the bulk path.
echo "generating $rows records, producing them to bench.sql ($partitions partitions) ..." >&2
awk -v n="$rows" -v json="$work/records.tsv" -v tsv="$work/rows.tsv" -v db="$db" 'BEGIN {
  for (i = 0; i < n; i++) {
    s = i % 10000; step = int(i / 10000);
    hh = int(step / 60) % 24; mm = step % 60;
    count = (i * 7) % 40; speed = 40 + (i % 900) / 10.0; occ = (i % 500) / 10.0; heavy = (i % 300) / 10.0;
    printf "S%04d\t{\"sensor_id\":\"S%04d\",\"road\":\"A%d\",\"lane\":%d,\"ts\":\"2026-11-22T%02d:%02d:00Z\",\"interval_s\":60,\"vehicle_count\":%d,\"avg_speed_kmh\":%.1f,\"occupancy_pct\":%.1f,\"heavy_vehicle_pct\":%.1f,\"seq\":%d}\n",
      s, s, s % 97, 1 + s % 3, hh, mm, count, speed, occ, heavy, i > json
    printf "S%04d\tA%d\t%d\t2026-11-22 %02d:%02d:00%s\t60\t%d\t%.1f\t%.1f\t%.1f\t%d\n",
      s, s % 97, 1 + s % 3, hh, mm, (db == "postgres" ? "+00" : ""), count, speed, occ, heavy, i > tsv
  }
}'
kcat -P -b "$bootstrap" -t bench.sql -K $'\t' -X queue.buffering.max.messages=1000000 -X linger.ms=20 <"$work/records.tsv"

now() { date +%s.%N; }
# CPU seconds used so far by process $1, its live descendants and the children they reaped:
# the database server's whole process tree (PostgreSQL runs a backend per connection).
tree_cpu() {
  local level=$1 all=$1
  while [[ -n $level ]]; do
    level=$(pgrep -P "$(tr ' ' ',' <<<"$level")" | tr '\n' ' ' | sed 's/ *$//') || true
    all+=" $level"
  done
  for p in $all; do cat "/proc/$p/stat" 2>/dev/null || true; done |
    awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); s += $12 + $13 + $14 + $15 } END { printf "%.3f\n", s / t }'
}
server_pid=$([[ $db == postgres ]] && echo "$POSTGRES_PID" || echo "$MARIADB_PID")
per_m() { awk -v a="$1" -v b="$2" -v n="$rows" 'BEGIN { printf "%.2f", (b - a) * 1000000 / n }'; }
create_table() { q "CREATE TABLE $1 ($column_types)" >/dev/null; }
count() { q "SELECT count(*) FROM $1"; }
drop() { q "$([[ $db == postgres ]] && echo 'SET client_min_messages = warning; ')DROP TABLE IF EXISTS $1" >/dev/null; }

# ---- the database's bulk path: the whole file in one statement -----------------------------
bulk_run() {
  local table=$1 t0 t1 c0 c1
  create_table "$table"
  c0=$(tree_cpu "$server_pid")
  t0=$(now)
  if [[ $db == postgres ]]; then
    q "\\copy $table FROM '$work/rows.tsv'" >/dev/null
  else
    q "LOAD DATA LOCAL INFILE '$work/rows.tsv' INTO TABLE $table" >/dev/null
  fi
  t1=$(now)
  c1=$(tree_cpu "$server_pid")
  [[ $(count "$table") == "$rows" ]] || { echo "bulk run: wrong count" >&2; exit 1; }
  # rows/s, the server's CPU s per million rows
  awk -v a="$t0" -v b="$t1" -v n="$rows" 'BEGIN { printf "%.0f ", n / (b - a) }'
  per_m "$c0" "$c1"; echo
}

write_worker() {
  cat >"$1/worker.yaml" <<EOF
kafka:
  bootstrap.servers: $bootstrap
  consumer:
    queued.min.messages: 1000000
    queued.max.messages.kbytes: 1048576
offset.flush.interval.ms: 200
topic.creation.enable: false
log.progress.interval.ms: 0
log.level: debug
rest.listener: 127.0.0.1:0
EOF
}

# The latest commit time (ISO 8601) once the tasks' "N rows written in all" add up to $rows.
written_all() {
  awk -v n="$rows" '/rows written in all/ {
      match($0, /\[[^]]*\]/); task = substr($0, RSTART, RLENGTH)
      split($0, parts, "; "); split(parts[length(parts)], words, " "); total[task] = words[1]
      match($0, /committed at [^;]*/); at = substr($0, RSTART + 13, RLENGTH - 13); if (at > latest) latest = at }
    END { s = 0; for (t in total) s += total[t]; if (s >= n) print latest }' "$1"
}

# The sustained rate of one task: rows committed from its first transaction to its last but
# one, over the time between their commits (the first, cold, and the last, which waits for
# the offset flush, left out). 0 with fewer than three transactions or several tasks.
sustained() {
  awk '/rows written in all/ {
      match($0, /committed at [^;]*/); at[++n] = substr($0, RSTART + 13, RLENGTH - 13)
      split($0, parts, "; "); split(parts[length(parts)], words, " "); total[n] = words[1]
      match($0, /\[[^]]*\]/); tasks[substr($0, RSTART, RLENGTH)] = 1 }
    END { k = 0; for (t in tasks) k++
      if (n < 3 || k != 1) { print 0; exit }
      cmd = "date -d " at[1] " +%s.%N"; cmd | getline t1; close(cmd)
      cmd = "date -d " at[n - 1] " +%s.%N"; cmd | getline t2; close(cmd)
      printf "%.0f\n", (t2 > t1) ? (total[n - 1] - total[1]) / (t2 - t1) : 0 }' "$1"
}

# Seconds since the epoch of a log line's timestamp (2026-11-22T08:00:00.123Z ...).
line_time() { date -d "$(cut -d' ' -f1 <<<"$1")" +%s.%N; }

# ---- one sluice sink run: from the partition assignment to the last commit -----------------
sink_run() {
  local table=$1 exactly_once=$2 dir="$work/run-$1"
  # At least once with several tasks, the group's first rebalance may write records twice
  # (that is at-least-once): the tasks' totals then add up before the table is whole, and
  # the clock cannot stop on them. Measured with one task only.
  if [[ $exactly_once == false && ${SLUICE_BENCH_TASKS:-1} -gt 1 ]]; then echo "0 0 0 0 0 0"; return; fi
  mkdir -p "$dir"
  write_worker "$dir"
  cat >"$dir/pipeline.yaml" <<EOF
name: bench
sinks:
  - name: $table
    plugin: $plugin
    topics: [bench.sql]
    tasks: ${SLUICE_BENCH_TASKS:-1}
    config:
      connection.url: $url
      connection.user: $user
      connection.password: $password
      table.name.format: $table
      exactly.once: $exactly_once
EOF
  # The sink's own default batch (batch.max.rows), unless SLUICE_BENCH_BATCH_ROWS says otherwise.
  [[ -n ${SLUICE_BENCH_BATCH_ROWS:-} ]] && echo "      batch.max.rows: $SLUICE_BENCH_BATCH_ROWS" >>"$dir/pipeline.yaml"
  create_table "$table"
  local s0 k0 s1 k1
  s0=$(tree_cpu "$server_pid"); k0=$(tree_cpu "$mock_pid")
  "$sluice" run --worker "$dir/worker.yaml" --plugin-dir "$plugins" "$dir/pipeline.yaml" 2>"$dir/log" &
  local pid=$! last="" t0 t1
  # The sink logs each transaction at debug with the time of its COMMIT and the rows its task
  # wrote in all: the clock stops at the commit that completes the table (no polling of the
  # database during the run); with several tasks, at the last commit once their totals add up.
  for _ in $(seq 6000); do  # <= 600 s
    last=$(written_all "$dir/log")
    [[ -n $last ]] && break
    kill -0 "$pid" 2>/dev/null || { echo "sluice exited; log:" >&2; tail "$dir/log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $last ]] || { echo "sluice run did not finish" >&2; exit 1; }
  t1=$(date -d "$last" +%s.%N)
  # The clock starts when the consumer group assigned the partitions: joining the group is
  # Kafka's business, the same with any sink.
  t0=$(line_time "$(grep -m1 ' assigned ' "$dir/log")")
  local cpu rss ticks
  ticks=$(getconf CLK_TCK)
  cpu=$(awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$pid/stat")
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  s1=$(tree_cpu "$server_pid"); k1=$(tree_cpu "$mock_pid")
  kill -TERM "$pid"; wait "$pid" || true
  local n; n=$(count "$table")
  [[ $n == "$rows" ]] || { echo "sluice run: $n rows in $table, $rows expected; log: $dir/log" >&2; exit 1; }
  [[ $(q "SELECT count(*) FROM (SELECT seq FROM $table GROUP BY seq HAVING count(*) > 1) d") == 0 ]] ||
    { echo "sluice run: duplicates" >&2; exit 1; }
  # rows/s, CPU s per million rows (whole process lifetime, start-up included), peak RSS MiB,
  # then the CPU s per million rows of the database server and of the Kafka broker meanwhile
  awk -v a="$t0" -v b="$t1" -v n="$rows" -v cpu="$cpu" -v rss="$rss" \
    'BEGIN { printf "%.0f %.2f %.0f ", n / (b - a), cpu * 1000000 / n, rss / 1024 }'
  echo "$(per_m "$s0" "$s1") $(per_m "$k0" "$k1") $(sustained "$dir/log")"
}

# ---- reading the table back: the database's own export, then the sluice source --------------
export_run() {
  local table=$1 t0 t1
  t0=$(now)
  if [[ $db == postgres ]]; then
    q "COPY (SELECT * FROM $table) TO STDOUT" >/dev/null
  else
    q "SELECT * FROM $table" >/dev/null
  fi
  t1=$(now)
  awk -v a="$t0" -v b="$t1" -v n="$rows" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

source_run() {
  local table=$1 dir="$work/source-$1-$2"
  mkdir -p "$dir"
  write_worker "$dir"
  cat >"$dir/pipeline.yaml" <<EOF
name: bench
source:
  name: src-$2
  plugin: $plugin
  topic: bench.sql.out
  config:
    connection.url: $url
    connection.user: $user
    connection.password: $password
    mode: incrementing
    incrementing.column.name: seq
    table.whitelist: [$table]
    batch.max.rows: ${SLUICE_BENCH_SOURCE_PAGE:-10000}
EOF
  "$sluice" run --worker "$dir/worker.yaml" --plugin-dir "$plugins" "$dir/pipeline.yaml" 2>"$dir/log" &
  local pid=$! last="" t0 t1
  for _ in $(seq 6000); do
    last=$(grep -m1 " $rows rows emitted in all" "$dir/log" 2>/dev/null || true)
    [[ -n $last ]] && break
    kill -0 "$pid" 2>/dev/null || { echo "sluice exited; log:" >&2; tail "$dir/log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $last ]] || { echo "sluice source run did not finish" >&2; exit 1; }
  t1=$(line_time "$last")
  t0=$(line_time "$(grep -m1 'reading table ' "$dir/log")")
  local cpu rss ticks
  ticks=$(getconf CLK_TCK)
  cpu=$(awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$pid/stat")
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  awk -v a="$t0" -v b="$t1" -v n="$rows" -v cpu="$cpu" -v rss="$rss" \
    'BEGIN { printf "%.0f %.2f %.0f\n", n / (b - a), cpu * 1000000 / n, rss / 1024 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "rows: $rows, runs: $runs, $db $version, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf "%-4s %10s %10s %6s %8s %6s %10s %6s %8s %6s | %10s %10s %6s %8s | %7s %7s %7s %6s | %10s %6s\n" run bulk/s eo/s eo/bk eo_cpu/M eo_MiB \
  alo/s alo/bk alo_cpu/M alo_MiB export/s source/s src/ex src_cpu/M bk_db/M eo_db/M eo_kfk/M cap/bk eo_sust/s sust/bk
for i in $(seq "$runs"); do
  # Alternate the order so neither side always meets a fresher server.
  if ((i % 2)); then
    bk=($(bulk_run "bulk_$i")); eo=($(sink_run "eo_$i" true)); alo=($(sink_run "alo_$i" false))
  else
    alo=($(sink_run "alo_$i" false)); eo=($(sink_run "eo_$i" true)); bk=($(bulk_run "bulk_$i"))
  fi
  b=${bk[0]}
  # What two cores allow the sink: every CPU second it takes (sluice, the database server,
  # the broker) per row, spread over both cores at best; against the bulk path.
  cap=$(awk -v w="${eo[1]}" -v d="${eo[3]}" -v k="${eo[4]}" -v b="$b" -v n="$(nproc)" \
    'BEGIN { t = w + d + k; printf "%.2f", (t > 0 ? (n * 1000000 / t) / b : 0) }')
  # The source reads the bulk table back (seq as its incrementing column, indexed).
  q "CREATE INDEX bulk_${i}_seq ON bulk_$i (seq)" >/dev/null
  ex=$(export_run "bulk_$i")
  src=($(source_run "bulk_$i" "$i"))
  printf "%-4s %10s %10s %6s %8s %6s %10s %6s %8s %6s | %10s %10s %6s %8s | %7s %7s %7s %6s | %10s %6s\n" "$i" "$b" "${eo[0]}" "$(ratio "${eo[0]}" "$b")" \
    "${eo[1]}" "${eo[2]}" "${alo[0]}" "$(ratio "${alo[0]}" "$b")" "${alo[1]}" "${alo[2]}" \
    "$ex" "${src[0]}" "$(ratio "${src[0]}" "$ex")" "${src[1]}" "${bk[1]}" "${eo[3]}" "${eo[4]}" "$cap" "${eo[5]}" "$(ratio "${eo[5]}" "$b")" | tee -a "$work/results"
  drop "bulk_$i"; drop "eo_$i"; drop "alo_$i"
done
col() { awk -v c="$1" '{ print $c }' "$work/results" | median; }
echo "median ($db, $rows rows, $runs runs): bulk $(col 2) rows/s;" \
  "exactly-once $(col 3) rows/s (ratio $(col 4), $(col 5) CPU s/M rows, $(col 6) MiB);" \
  "at-least-once $(col 7) rows/s (ratio $(col 8), $(col 9) CPU s/M rows, $(col 10) MiB);" \
  "export $(col 12) rows/s, source $(col 13) rows/s (ratio $(col 14), $(col 15) CPU s/M rows);" \
  "server CPU s/M rows: $(col 17) under the bulk path, $(col 18) under the exactly-once sink (broker $(col 19));" \
  "two cores allow the exactly-once sink at most $(col 20) of the bulk path;" \
  "exactly-once sustained (first and last transactions left out) $(col 22) rows/s, $(col 23) of the bulk path"
