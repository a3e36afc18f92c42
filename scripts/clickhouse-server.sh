#!/usr/bin/env bash
# A private ClickHouse server for tests and benchmarks: runs as the current user on
# 127.0.0.1 only, with its configuration, data and logs in one folder, on free ports
# (HTTP and native TCP; no interserver port, no HTTPS), so several can run side by side
# and nothing of the machine's own ClickHouse (if any) is touched.
#
#   clickhouse-server.sh start [DIR]   start in the background (DIR: a new temporary folder),
#                                      wait until SELECT 1 answers, print the variables below
#   clickhouse-server.sh run DIR       the same server in the foreground (exec: the caller
#                                      owns the process, e.g. a test that stops it itself)
#   clickhouse-server.sh stop DIR      stop it (SIGTERM, then SIGKILL after 20 s); data kept,
#                                      a later `start DIR` serves the same tables on the same ports
#   clickhouse-server.sh destroy DIR   stop it and remove DIR
#   clickhouse-server.sh status DIR    exit 0 when it answers SELECT 1, 1 otherwise
#
# `start` prints (and writes to DIR/env, for `source`):
#   CLICKHOUSE_URL=http://127.0.0.1:<port>  CLICKHOUSE_TCP_PORT=<port>  CLICKHOUSE_DIR=<DIR>
#   CLICKHOUSE_PID=<pid>
# Users: `default` without password, `sluice` with password `sluice-secret` (tests of
# authentication). Needs Debian's clickhouse-server package (scripts/install-deps.sh).
set -euo pipefail

SERVER_BIN=${CLICKHOUSE_SERVER_BIN:-$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)}
READY_TIMEOUT_S=${CLICKHOUSE_READY_TIMEOUT_S:-60}

die() { echo "clickhouse-server.sh: $*" >&2; exit 1; }

# shellcheck source=lib/local-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-server.sh"

# Answers SELECT 1 over HTTP (bash's /dev/tcp: no curl needed).
answers() {
  local port=$1 reply
  reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /?query=SELECT%%201 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && cat <&3" 2>/dev/null) || return 1
  [[ $reply == *$'\r\n\r\n1'* ]]
}

write_config() {
  local dir=$1 http_port tcp_port
  http_port=$(free_port)
  tcp_port=$(free_port)
  while [[ $tcp_port == "$http_port" ]]; do tcp_port=$(free_port); done
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>$dir/log/server.log</log>
        <errorlog>$dir/log/server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http_port</http_port>
    <tcp_port>$tcp_port</tcp_port>
    <max_connections>256</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  cat >"$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <sluice>
            <password>sluice-secret</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </sluice>
    </users>
    <quotas>
        <default>
            <interval><duration>3600</duration><queries>0</queries><errors>0</errors>
                <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
        </default>
    </quotas>
</yandex>
EOF
  {
    echo "CLICKHOUSE_URL=http://127.0.0.1:$http_port"
    echo "CLICKHOUSE_TCP_PORT=$tcp_port"
    echo "CLICKHOUSE_DIR=$dir"
  } >"$dir/ports"
}

http_port_of() { sed -n 's|^CLICKHOUSE_URL=http://127.0.0.1:||p' "$1/ports"; }

prepare() {
  local dir=$1
  [[ -x $SERVER_BIN ]] || die "$SERVER_BIN not found: install clickhouse-server (scripts/install-deps.sh)"
  mkdir -p "$dir"
  [[ -f $dir/config.xml && -f $dir/ports ]] || write_config "$dir"
  # The same ports again after a stop, unless someone else took them meanwhile.
  if port_in_use "$(http_port_of "$dir")" listening; then
    answers "$(http_port_of "$dir")" && [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null &&
      die "a server already runs for $dir"
    rm -f "$dir/config.xml"
    write_config "$dir"
  fi
}

cmd_start() {
  local dir=${1:-}
  [[ -n $dir ]] || dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-clickhouse-XXXXXX")
  dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")
  prepare "$dir"
  local port
  port=$(http_port_of "$dir")
  (cd "$dir" && exec setsid "$SERVER_BIN" --config-file="$dir/config.xml" \
      >>"$dir/log/stdout.log" 2>>"$dir/log/stderr.log" </dev/null) &
  local pid=$!
  echo "$pid" >"$dir/pid"
  local waited=0
  until answers "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$dir/log/stderr.log" "$dir/log/server.err.log" >&2 2>/dev/null || true
      die "clickhouse-server exited during start-up (logs in $dir/log)"
    fi
    ((waited++ < READY_TIMEOUT_S * 5)) || { kill -KILL "$pid" 2>/dev/null || true; die "no answer to SELECT 1 on port $port within ${READY_TIMEOUT_S} s (logs in $dir/log)"; }
    sleep 0.2
  done
  { cat "$dir/ports"; echo "CLICKHOUSE_PID=$pid"; } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
  cat "$dir/env"
}

cmd_run() {
  local dir=${1:?run needs DIR}
  prepare "$dir"
  { cat "$dir/ports"; echo "CLICKHOUSE_PID=$$"; } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"  # whole or absent for whoever reads it
  echo "$$" >"$dir/pid"
  cd "$dir"
  exec "$SERVER_BIN" --config-file="$dir/config.xml"
}

cmd_stop() {
  local dir=${1:?stop needs DIR}
  [[ -f $dir/pid ]] || return 0
  local pid waited=0
  pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
      if ((waited++ >= 100)); then
        echo "clickhouse-server.sh: $pid ignored SIGTERM for 20 s, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  fi
  rm -f "$dir/pid"
}

cmd_status() {
  local dir=${1:?status needs DIR}
  [[ -f $dir/ports ]] && answers "$(http_port_of "$dir")"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  run) shift; cmd_run "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  destroy) shift; cmd_stop "$@"; rm -rf "${1:?}" ;;
  status) shift; cmd_status "$@" ;;
  *) echo "usage: $0 start [DIR] | run DIR | stop DIR | destroy DIR | status DIR" >&2; exit 2 ;;
esac
