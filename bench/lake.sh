#!/usr/bin/env bash
# Data lake and key-value sink benchmark, each against the physical limit of the same store
# in the same run:
#   s3:    MB/s of `sluice run` with the s3 sink (topic -> JSON-lines objects) against
#          `curl --aws-sigv4` PUTs of the very same objects to the same store;
#   redis: records/s of `sluice run` with the redis sink (SET per record, MULTI/EXEC with
#          the offsets: exactly once) against `redis-cli --pipe` of the same SET commands.
# Also CPU seconds per million records and peak RSS of the worker; medians of several runs.
#
#   bench/lake.sh [--records N] [--runs R] [--build DIR] [--only s3|redis]
#
# Needs a built tree (sluice, sluice-mock-kafka, the s3 and redis sinks; default build dir
# build, override with --build or SLUICE_BENCH_BUILD_DIR), kcat, curl, redis-cli, node (the
# store of scripts/s3-server.sh) and redis-server. Everything runs on 127.0.0.1 with private
# stores and a private mock Kafka cluster, removed at the end. Not a test: nothing asserts.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SLUICE_BENCH_BUILD_DIR:-$root/build}"
records=300000
runs=5
only=""
while (($#)); do
  case $1 in
    --records) records=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "usage: $0 [--records N] [--runs R] [--build DIR] [--only s3|redis]" >&2; exit 2 ;;
  esac
done
sluice="$build/bin/sluice"
mock="$build/bin/sluice-mock-kafka"
plugins="$build/plugins"
for f in "$sluice" "$mock" "$plugins/sluice_sink_s3.so" "$plugins/sluice_sink_redis.so"; do
  [[ -e $f ]] || { echo "missing $f: build sluice sluice-mock-kafka sluice_sink_s3 sluice_sink_redis in $build" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-lake-bench-XXXXXX")
mock_pid=""
cleanup() {
  [[ -n $mock_pid ]] && kill "$mock_pid" 2>/dev/null || true
  "$root/scripts/s3-server.sh" destroy "$work/s3" >/dev/null 2>&1 || true
  "$root/scripts/redis-server.sh" destroy "$work/redis" >/dev/null 2>&1 || true
  if [[ -n ${KEEP_BENCH_DIR:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---- Kafka and the records: datagen-like road traffic readings, ~190 B of JSON each -------
partitions=$(( (records * 250 * 3 / 2) / (5 * 1024 * 1024) + 1 ))  # the mock keeps ~5 MiB per partition
partitions=$(( (partitions + 3) / 4 * 4 ))
# The same number of records in every partition (produced partition by partition), so that
# the s3 sink's objects of exactly half a partition close full: no tail waits for a timer.
records=$(( (records + 2 * partitions - 1) / (2 * partitions) * 2 * partitions ))
"$mock" --topic "bench.lake:$partitions" --topic "sluice-offsets:1" >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 100); do grep -q . "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
bootstrap=$(head -n1 "$work/mock.out")
[[ -n $bootstrap ]] || { echo "sluice-mock-kafka did not print its bootstrap servers" >&2; exit 1; }
echo "generating $records records, producing them to bench.lake ($partitions partitions) ..." >&2
awk -v n="$records" 'BEGIN {
  for (i = 0; i < n; i++) {
    s = i % 10000; step = int(i / 10000);
    printf "S%04d\t{\"sensor_id\":\"S%04d\",\"road\":\"A%d\",\"lane\":%d,\"ts\":\"2026-11-22T%02d:%02d:00Z\",\"interval_s\":60,\"vehicle_count\":%d,\"avg_speed_kmh\":%.1f,\"occupancy_pct\":%.1f,\"heavy_vehicle_pct\":%.1f,\"seq\":%d}\n",
      s, s, s % 97, 1 + s % 3, int(step / 60) % 24, step % 60, (i * 7) % 40, 40 + (i % 900) / 10.0, (i % 500) / 10.0, (i % 300) / 10.0, i
  }
}' >"$work/records.tsv"
for p in $(seq 0 $((partitions - 1))); do
  awk -v p="$p" -v n="$partitions" '(NR - 1) % n == p' "$work/records.tsv" |
    kcat -P -b "$bootstrap" -t bench.lake -p "$p" -K $'\t' -X queue.buffering.max.messages=1000000 -X linger.ms=20
done
value_bytes=$(awk -F'\t' '{ n += length($2) + 1 } END { print n }' "$work/records.tsv")

worker_file() {
  cat >"$1/worker.yaml" <<EOF
kafka:
  bootstrap.servers: $bootstrap
  consumer:
    queued.min.messages: 1000000
    queued.max.messages.kbytes: 1048576
offset.flush.interval.ms: 200
topic.creation.enable: false
log.progress.interval.ms: 1000
EOF
}

# Runs `sluice run` on $1/pipeline.yaml until `$2` (a command) succeeds; prints seconds from
# the partitions' assignment (the log line's time: joining the group is Kafka's business)
# to done, CPU seconds of the process, and its peak RSS in KiB.
timed_sluice() {
  local dir=$1 done_check=$2 pid t1="" t0 cpu rss
  "$sluice" run --worker "$dir/worker.yaml" --plugin-dir "$plugins" "$dir/pipeline.yaml" 2>"$dir/log" &
  pid=$!
  for _ in $(seq 15000); do  # <= 300 s
    if $done_check; then t1=$(now); break; fi
    kill -0 "$pid" 2>/dev/null || { echo "sluice exited; log:" >&2; tail "$dir/log" >&2; exit 1; }
    sleep 0.05
  done
  [[ -n $t1 ]] || { echo "sluice run did not finish; log in $dir" >&2; exit 1; }
  t0=$(date -d "$(grep -m1 -o '^[0-9T:.-]*Z.* assigned ' "$dir/log" | cut -d' ' -f1)" +%s.%N)
  cpu=$(awk -v t="$(getconf CLK_TCK)" '{ print ($14 + $15) / t }' "/proc/$pid/stat")
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  awk -v a="$t0" -v b="$t1" -v c="$cpu" -v r="$rss" 'BEGIN { printf "%.3f %.2f %d\n", b - a, c, r }'
}

# ---- S3 -----------------------------------------------------------------------------------
s3_bench() {
  eval "$("$root/scripts/s3-server.sh" start "$work/s3")"
  local empty sign=(--aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY_ID:$S3_SECRET_ACCESS_KEY")
  empty=$(printf '' | sha256sum | cut -d' ' -f1)
  s3() { curl -sS --fail-with-body "${sign[@]}" -H "x-amz-content-sha256: $empty" "$@"; }
  # Objects of half a partition's records: each partition ends with two full objects.
  local flush=${SLUICE_BENCH_FLUSH_SIZE:-$((records / partitions / 2))}
  echo "s3: $records records, $value_bytes bytes of JSON lines, objects of $flush records, $runs runs" >&2
  printf "%-4s %12s %12s %8s %10s %8s %12s %10s\n" run curl_MB/s sluice_MB/s ratio cpu_s/M MiB kafka_MB/s s3/kafka >&2
  for i in $(seq "$runs"); do
    local bucket="bench-$i" dir="$work/s3-run-$i" sl c secs cpu rss
    mkdir -p "$dir"
    s3 -X PUT "$S3_ENDPOINT_URL/$bucket" >/dev/null
    worker_file "$dir"
    cat >"$dir/pipeline.yaml" <<EOF
name: bench
sinks:
  - name: s3-$i
    plugin: s3
    topics: [bench.lake]
    config:
      s3.bucket.name: $bucket
      s3.path.style.access.enabled: true
      endpoint.url: $S3_ENDPOINT_URL
      aws.access.key.id: $S3_ACCESS_KEY_ID
      aws.secret.access.key: $S3_SECRET_ACCESS_KEY
      path.format: "sluice/{topic}"
      timestamp.extractor: Wallclock
      flush.size: $flush
EOF
    # SLUICE_BENCH_S3_UPLOADS: s3.uploads.in.flight (else the sink's default)
    if [[ -n ${SLUICE_BENCH_S3_UPLOADS:-} ]]; then echo "      s3.uploads.in.flight: $SLUICE_BENCH_S3_UPLOADS" >>"$dir/pipeline.yaml"; fi
    # Done when the sink logged (debug) uploads of every record: reading the bucket while
    # the run goes would load the store the run is measuring.
    echo "log.level: debug" >>"$dir/worker.yaml"
    done_s3() { [[ $(grep -o 'uploaded [^ ]*: [0-9]* records' "$dir/log" | awk '{ n += $3 } END { print n + 0 }') -ge $records ]]; }
    read -r secs cpu rss < <(timed_sluice "$dir" done_s3)
    sl=$(awk -v b="$value_bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / s / 1e6 }')
    local stored
    stored=$(s3 "$S3_ENDPOINT_URL/$bucket?list-type=2&prefix=sluice%2F" | grep -o '<Size>[0-9]*</Size>' | tr -dc '0-9\n' |
      awk '{ n += $1 } END { print n + 0 }')
    [[ $stored == "$value_bytes" ]] || { echo "s3 run $i: $stored bytes in the bucket, $value_bytes expected" >&2; exit 1; }
    # What the worker consumes at all from this Kafka: the same topic into a blackhole sink.
    local bh="$work/bh-run-$i" kafka
    mkdir -p "$bh"
    worker_file "$bh"
    sed -i 's/^log.progress.interval.ms: .*/log.progress.interval.ms: 50/' "$bh/worker.yaml"
    printf 'name: bench\nsinks:\n  - name: bh-%s\n    plugin: blackhole\n    topics: [bench.lake]\n' "$i" >"$bh/pipeline.yaml"
    done_bh() { [[ $(grep -o 'written [0-9]* records' "$bh/log" | tail -n1 | tr -dc '0-9') -ge $records ]] 2>/dev/null; }
    read -r bh_secs _ _ < <(timed_sluice "$bh" done_bh)
    kafka=$(awk -v b="$value_bytes" -v s="$bh_secs" 'BEGIN { printf "%.1f", b / s / 1e6 }')
    # The same objects, fetched once (untimed), then PUT by curl one after the other with
    # their hashes computed beforehand: the store's ingest limit for these objects.
    mkdir -p "$dir/objects"
    local keys n=0 t0 t1
    keys=$(s3 "$S3_ENDPOINT_URL/$bucket?list-type=2&prefix=sluice%2F" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g')
    for k in $keys; do
      n=$((n + 1))
      s3 "$S3_ENDPOINT_URL/$bucket/$(printf '%s' "$k" | sed 's/=/%3D/g; s/+/%2B/g')" -o "$dir/objects/$n"
      sha256sum "$dir/objects/$n" | cut -d' ' -f1 >"$dir/objects/$n.sha"
    done
    # One curl process for all of them (--next: one connection, kept alive, as the sink's).
    local args=()
    for j in $(seq "$n"); do
      ((j > 1)) && args+=(--next)
      args+=(-sS --fail-with-body "${sign[@]}" -X PUT -H "x-amz-content-sha256: $(cat "$dir/objects/$j.sha")"
             -H 'Content-Type: application/x-ndjson' --data-binary @"$dir/objects/$j" -o /dev/null
             "$S3_ENDPOINT_URL/$bucket/curl/$j.jsonl")
    done
    t0=$(now)
    curl "${args[@]}"
    t1=$(now)
    c=$(awk -v b="$value_bytes" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.1f", b / (z - a) / 1e6 }')
    printf "%-4s %12s %12s %8s %10s %8s %12s %10s\n" "$i" "$c" "$sl" "$(ratio "$sl" "$c")" \
      "$(awk -v c="$cpu" -v n="$records" 'BEGIN { printf "%.2f", c * 1e6 / n }')" "$((rss / 1024))" \
      "$kafka" "$(ratio "$sl" "$kafka")" | tee -a "$work/s3.results" >&2
    rm -rf "$dir/objects"
  done
  echo "s3 median: curl $(awk '{print $2}' "$work/s3.results" | median) MB/s, sluice $(awk '{print $3}' "$work/s3.results" | median) MB/s," \
    "ratio $(awk '{print $4}' "$work/s3.results" | median), $(awk '{print $5}' "$work/s3.results" | median) CPU s/M records," \
    "$(awk '{print $6}' "$work/s3.results" | median) MiB peak; the worker alone (blackhole sink)" \
    "$(awk '{print $7}' "$work/s3.results" | median) MB/s, s3/blackhole $(awk '{print $8}' "$work/s3.results" | median)"
}

# ---- Redis --------------------------------------------------------------------------------
redis_bench() {
  eval "$("$root/scripts/redis-server.sh" start "$work/redis")"
  local cli=(redis-cli -u "$REDIS_URL" -a "$REDIS_PASSWORD" --no-auth-warning)
  # The same SET commands, in RESP, for redis-cli --pipe (keys and values are ASCII).
  awk -F'\t' '{ k = "b:" $1; printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length($2), $2 }' \
    "$work/records.tsv" >"$work/commands.resp"
  echo "redis: $records SET commands, $runs runs, $("${cli[@]}" INFO server | grep -o 'redis_version:[0-9.]*')" >&2
  # The server's own CPU seconds per million records, for the reference and for sluice: the
  # same SETs, so a difference is the price of the transactions (exactly once).
  server_cpu() { awk -v t="$(getconf CLK_TCK)" '{ print ($14 + $15) / t }' "/proc/$REDIS_PID/stat"; }
  per_m() { awk -v a="$1" -v b="$2" -v n="$records" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }'; }
  printf "%-4s %12s %12s %8s %10s %8s %12s %12s\n" run pipe_rec/s sluice_rec/s ratio cpu_s/M MiB pipe_srv_s/M sluice_srv_s/M >&2
  for i in $(seq "$runs"); do
    local dir="$work/redis-run-$i" t0 t1 p s secs cpu rss
    mkdir -p "$dir"
    "${cli[@]}" FLUSHALL >/dev/null
    local c0 c1 c2 c3
    c0=$(server_cpu)
    t0=$(now)
    "${cli[@]}" --pipe <"$work/commands.resp" >"$dir/pipe.out"
    t1=$(now)
    c1=$(server_cpu)
    grep -q "errors: 0, replies: $records" "$dir/pipe.out" || { cat "$dir/pipe.out" >&2; exit 1; }
    p=$(awk -v n="$records" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
    "${cli[@]}" FLUSHALL >/dev/null
    worker_file "$dir"
    cat >"$dir/pipeline.yaml" <<EOF
name: bench
sinks:
  - name: redis-$i
    plugin: redis
    topics: [bench.lake]
    config:
      redis.url: $REDIS_URL
      redis.password: $REDIS_PASSWORD
      key.format: "b:{key}"
EOF
    done_redis() {  # every partition's last offset stored (the hash holds the offset, not offset + 1)
      [[ $("${cli[@]}" HVALS "sluice:offsets:bench.redis-$i" | awk '{ n += $1 + 1 } END { print n + 0 }') -ge $records ]]
    }
    c2=$(server_cpu)
    read -r secs cpu rss < <(timed_sluice "$dir" done_redis)
    c3=$(server_cpu)
    s=$(awk -v n="$records" -v t="$secs" 'BEGIN { printf "%.0f", n / t }')
    printf "%-4s %12s %12s %8s %10s %8s %12s %12s\n" "$i" "$p" "$s" "$(ratio "$s" "$p")" \
      "$(awk -v c="$cpu" -v n="$records" 'BEGIN { printf "%.2f", c * 1e6 / n }')" "$((rss / 1024))" \
      "$(per_m "$c0" "$c1")" "$(per_m "$c2" "$c3")" | tee -a "$work/redis.results" >&2
  done
  echo "redis median: redis-cli --pipe $(awk '{print $2}' "$work/redis.results" | median) records/s," \
    "sluice $(awk '{print $3}' "$work/redis.results" | median) records/s, ratio $(awk '{print $4}' "$work/redis.results" | median)," \
    "$(awk '{print $5}' "$work/redis.results" | median) CPU s/M records, $(awk '{print $6}' "$work/redis.results" | median) MiB peak;" \
    "redis-server $(awk '{print $7}' "$work/redis.results" | median) CPU s/M records under the pipe, $(awk '{print $8}' "$work/redis.results" | median) under sluice"
}

[[ $only == redis ]] || s3_bench
[[ $only == s3 ]] || redis_bench
