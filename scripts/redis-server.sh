#!/usr/bin/env bash
# A private Redis server (Debian's redis-server) for tests and benchmarks: runs as the
# current user on 127.0.0.1 only, configuration, data (append-only file) and logs in one
# folder, on free ports: a plain port and a TLS port (certificate from a private CA made
# here with openssl), a password, so AUTH and TLS are tested for real.
#
#   redis-server.sh start [DIR]   start in the background (DIR: a new temporary folder),
#                                 wait until PING answers, print the variables below
#   redis-server.sh run DIR       the same server in the foreground (exec)
#   redis-server.sh stop DIR      stop it (SHUTDOWN by SIGTERM: the data is on disk); a later
#                                 `start DIR` serves the same data on the same ports
#   redis-server.sh destroy DIR   stop it and remove DIR
#   redis-server.sh status DIR    exit 0 when it answers PING, 1 otherwise
#
# `start` prints (and writes to DIR/env, for `source`):
#   REDIS_URL=redis://127.0.0.1:<port>  REDIS_TLS_URL=rediss://127.0.0.1:<port>
#   REDIS_PASSWORD=...  REDIS_CA_FILE=<DIR>/tls/ca.crt  REDIS_DIR=<DIR>  REDIS_PID=<pid>
# Needs redis-server, redis-tools and openssl (scripts/install-deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/local-server.sh
source "$here/lib/local-server.sh"
SERVER_BIN=${REDIS_SERVER_BIN:-$(command -v redis-server || echo /usr/bin/redis-server)}
READY_TIMEOUT_S=${REDIS_READY_TIMEOUT_S:-30}
PASSWORD=sluice-test-password

die() { echo "redis-server.sh: $*" >&2; exit 1; }

port_of() { sed -n "s|^$2=[a-z]*://127.0.0.1:||p" "$1/ports"; }

answers() {
  local reply
  reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf 'AUTH $PASSWORD\r\nPING\r\nQUIT\r\n' >&3 && cat <&3" 2>/dev/null) || return 1
  [[ $reply == *PONG* ]]
}

make_certificates() {
  local tls=$1/tls
  mkdir -p "$tls"
  [[ -f $tls/server.crt ]] && return 0
  openssl req -x509 -new -nodes -newkey rsa:2048 -days 3650 -subj "/CN=sluice test CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  openssl req -new -nodes -newkey rsa:2048 -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/ext.cnf"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 3650 \
    -extfile "$tls/ext.cnf" -out "$tls/server.crt" 2>/dev/null
}

write_config() {
  local dir=$1 port tls_port
  port=$(free_port)
  tls_port=$(free_port)
  while [[ $tls_port == "$port" ]]; do tls_port=$(free_port); done
  {
    echo "REDIS_URL=redis://127.0.0.1:$port"
    echo "REDIS_TLS_URL=rediss://127.0.0.1:$tls_port"
    echo "REDIS_PASSWORD=$PASSWORD"
    echo "REDIS_CA_FILE=$dir/tls/ca.crt"
    echo "REDIS_DIR=$dir"
  } >"$dir/ports"
  cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1
protected-mode yes
port $port
tls-port $tls_port
tls-cert-file $dir/tls/server.crt
tls-key-file $dir/tls/server.key
tls-ca-cert-file $dir/tls/ca.crt
tls-auth-clients no
requirepass $PASSWORD
dir $dir/data
appendonly yes
appendfsync everysec
save ""
daemonize no
logfile $dir/log/redis.log
databases 16
CONF
}

prepare() {
  local dir=$1
  [[ -x $SERVER_BIN ]] || die "$SERVER_BIN not found: install redis-server (scripts/install-deps.sh)"
  mkdir -p "$dir/data" "$dir/log"
  make_certificates "$dir"
  [[ -f $dir/ports && -f $dir/redis.conf ]] || write_config "$dir"
  if port_in_use "$(port_of "$dir" REDIS_URL)" listening || port_in_use "$(port_of "$dir" REDIS_TLS_URL)" listening; then
    [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && die "a server already runs for $dir"
    write_config "$dir"
  fi
}

cmd_start() {
  local dir=${1:-}
  [[ -n $dir ]] || dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-redis-XXXXXX")
  dir=$(absolute_dir "$dir")
  prepare "$dir"
  (exec setsid "$SERVER_BIN" "$dir/redis.conf" >>"$dir/log/stdout.log" 2>&1 </dev/null) &
  local pid=$! rc=0
  echo "$pid" >"$dir/pid"
  wait_ready "$READY_TIMEOUT_S" "$pid" answers "$(port_of "$dir" REDIS_URL)" || rc=$?
  if ((rc != 0)); then
    tail -n 20 "$dir/log/redis.log" >&2 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    die "redis-server did not answer PING (logs in $dir/log)"
  fi
  publish_env "$dir" REDIS_PID "$pid"
  cat "$dir/env"
}

cmd_run() {
  local dir=${1:?run needs DIR}
  dir=$(absolute_dir "$dir")
  prepare "$dir"
  publish_env "$dir" REDIS_PID "$$"
  exec "$SERVER_BIN" "$dir/redis.conf"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  run) shift; cmd_run "$@" ;;
  stop) shift; stop_pid_file "${1:?stop needs DIR}/pid" redis-server.sh ;;
  destroy) shift; stop_pid_file "${1:?destroy needs DIR}/pid" redis-server.sh; rm -rf "${1:?}" ;;
  status) shift; [[ -f ${1:?status needs DIR}/ports ]] && answers "$(port_of "$1" REDIS_URL)" ;;
  *) echo "usage: $0 start [DIR] | run DIR | stop DIR | destroy DIR | status DIR" >&2; exit 2 ;;
esac
