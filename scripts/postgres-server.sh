#!/usr/bin/env bash
# A private PostgreSQL server for tests and benchmarks: one cluster (initdb) in one folder,
# listening on 127.0.0.1 only on a free port (no Unix socket), so several can run side by
# side and nothing of the machine's own PostgreSQL (if any) is touched.
#
#   postgres-server.sh start [DIR]   create the cluster if DIR has none (DIR: a new temporary
#                                    folder), start it in the background, wait until it
#                                    answers, create the users and database below, print the
#                                    variables below
#   postgres-server.sh run DIR       the same server in the foreground (exec: the caller owns
#                                    the process, e.g. a test that kills it itself)
#   postgres-server.sh stop DIR      stop it (fast shutdown, SIGKILL after 20 s); data kept,
#                                    a later `start DIR` serves the same tables on the same port
#   postgres-server.sh destroy DIR   stop it and remove DIR
#   postgres-server.sh status DIR    exit 0 when it accepts connections, 1 otherwise
#
# `start` prints (and writes to DIR/env, for `source`):
#   POSTGRES_HOST=127.0.0.1  POSTGRES_PORT=<port>  POSTGRES_DB=sluice
#   POSTGRES_USER=sluice  POSTGRES_PASSWORD=sluice-secret  (password authentication, owner of sluice)
#   POSTGRES_ADMIN_USER=postgres  (superuser, trusted from 127.0.0.1 without password)
#   POSTGRES_URL=postgresql://127.0.0.1:<port>/sluice  POSTGRES_DIR=<DIR>  POSTGRES_PID=<pid>
#
# PostgreSQL refuses to run as root: when started by root, the cluster belongs to and runs
# as $SLUICE_POSTGRES_OS_USER (default: the `postgres` account Debian's package creates,
# else `nobody`). SLUICE_POSTGRES_FSYNC=off trades durability for speed (default on).
# Needs Debian's postgresql package (scripts/install-deps.sh).
set -euo pipefail

PG_BIN=${SLUICE_POSTGRES_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
READY_TIMEOUT_S=${SLUICE_POSTGRES_READY_TIMEOUT_S:-60}
FSYNC=${SLUICE_POSTGRES_FSYNC:-on}

SERVER_SCRIPT=postgres-server.sh SERVER_OS_USER=${SLUICE_POSTGRES_OS_USER:-} SERVER_DEFAULT_ACCOUNT=postgres
# shellcheck source=lib/private-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/private-server.sh"

port_of() { sed -n 's/^POSTGRES_PORT=//p' "$1/ports"; }

# The data directory: DIR/data, or, when the server's account cannot reach DIR (a private
# temporary folder of root), a folder of its own under $TMPDIR that DIR/data links to.
data_dir_for() {
  local dir=$1
  if [[ -e $dir/data ]]; then echo "$dir/data"; return; fi
  if reachable "$dir"; then
    mkdir -p "$dir/data"
  else
    ln -s "$(mktemp -d "${TMPDIR:-/tmp}/sluice-postgres-data-XXXXXX")" "$dir/data"
  fi
  echo "$dir/data"
}
# The real path of the data directory (the server's account may not resolve DIR/data).
data_path() { if [[ -L $1/data ]]; then readlink -f "$1/data"; else echo "$1/data"; fi; }

psql_admin() {
  local dir=$1; shift
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port_of "$dir")" -U postgres -d postgres "$@"
}

answers() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2 >/dev/null 2>&1; }

init_cluster() {
  local dir=$1 port
  port=$(free_port)
  mkdir -p "$dir/log"
  data_dir_for "$dir" >/dev/null
  [[ $(id -u) -ne 0 ]] || chown "$(os_user):" "$dir/data/"
  chmod 700 "$dir/data/"
  "${RUN_AS[@]}" "$PG_BIN/initdb" -D "$(data_path "$dir")" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/log/initdb.log" 2>&1 ||
    { cat "$dir/log/initdb.log" >&2; die "initdb failed (log in $dir/log/initdb.log)"; }
  # The superuser is trusted from 127.0.0.1 (a private server for tests); everyone else
  # authenticates with a password, so wrong credentials can be tested.
  cat >"$dir/data/pg_hba.conf" <<'EOF'
host all postgres 127.0.0.1/32 trust
host all all      127.0.0.1/32 scram-sha-256
EOF
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
fsync = $FSYNC
logging_collector = off
log_min_messages = warning
timezone = 'UTC'
EOF
  {
    echo "POSTGRES_HOST=127.0.0.1"
    echo "POSTGRES_PORT=$port"
    echo "POSTGRES_DB=sluice"
    echo "POSTGRES_USER=sluice"
    echo "POSTGRES_PASSWORD=sluice-secret"
    echo "POSTGRES_ADMIN_USER=postgres"
    echo "POSTGRES_URL=postgresql://127.0.0.1:$port/sluice"
    echo "POSTGRES_DIR=$dir"
  } >"$dir/ports"
}

prepare() {
  local dir=$1
  [[ -x $PG_BIN/postgres ]] || die "no PostgreSQL server binaries in '$PG_BIN': install postgresql (scripts/install-deps.sh)"
  mkdir -p "$dir"
  [[ -f $dir/data/PG_VERSION && -f $dir/ports ]] || { remove_data "$dir"; init_cluster "$dir"; }
  rm -f "$dir/data/postmaster.pid.stale"
  # The same port again after a stop, unless someone else took it meanwhile.
  if port_in_use "$(port_of "$dir")" listening; then
    [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && die "a server already runs for $dir"
    new_port "$dir"
  fi
}

# The same server on another free port.
new_port() {
  local dir=$1 port
  port=$(free_port)
  sed -i "s/^port = .*/port = $port/" "$dir/data/postgresql.conf"
  sed -i "s/^POSTGRES_PORT=.*/POSTGRES_PORT=$port/; s|^POSTGRES_URL=.*|POSTGRES_URL=postgresql://127.0.0.1:$port/sluice|" "$dir/ports"
}

# The user and database the tests use (idempotent: a restarted cluster has them already).
create_roles() {
  local dir=$1
  psql_admin "$dir" <<'EOF'
SELECT 'CREATE ROLE sluice LOGIN PASSWORD ''sluice-secret'''
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sluice') \gexec
SELECT 'CREATE DATABASE sluice OWNER sluice'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'sluice') \gexec
EOF
}

write_env() {
  local dir=$1 pid=$2
  { cat "$dir/ports"; echo "POSTGRES_PID=$pid"; } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"  # whole or absent for whoever reads it
}

cmd_start() {
  local dir=${1:-}
  [[ -n $dir ]] || dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-postgres-XXXXXX")
  dir=$(absolute_dir "$dir")
  prepare "$dir"
  local port pid attempt
  for attempt in 1 2 3; do
    port=$(port_of "$dir")
    (cd "$dir" && exec setsid "${RUN_AS[@]}" "$PG_BIN/postgres" -D "$(data_path "$dir")" \
        >>"$dir/log/server.log" 2>&1 </dev/null) &
    pid=$!
    echo "$pid" >"$dir/pid"
    await_server "$pid" "$dir/log/server.log" answers "$port" && break
    port_was_taken "$dir/log/server.log"
    ((attempt < 3)) || die "no free port after 3 attempts"
    new_port "$dir"
  done
  create_roles "$dir" || die "creating the sluice user and database failed"
  write_env "$dir" "$pid"
  cat "$dir/env"
}

cmd_run() {
  local dir
  dir=$(absolute_dir "${1:?run needs DIR}")
  prepare "$dir"
  local port
  port=$(port_of "$dir")
  echo "$$" >"$dir/pid"
  # Roles are created once the server answers, by a helper that outlives nothing: it ends
  # as soon as the env file is written (or the server is gone).
  (
    for _ in $(seq $((READY_TIMEOUT_S * 5))); do
      if answers "$port"; then create_roles "$dir" >/dev/null 2>&1 && write_env "$dir" "$(cat "$dir/pid")"; exit 0; fi
      kill -0 "$(cat "$dir/pid" 2>/dev/null || echo 0)" 2>/dev/null || exit 0
      sleep 0.2
    done
  ) </dev/null >/dev/null 2>&1 &
  cd "$dir"
  exec "${RUN_AS[@]}" "$PG_BIN/postgres" -D "$(data_path "$dir")" >>"$dir/log/server.log" 2>&1
}

cmd_stop() {
  local dir=${1:?stop needs DIR}
  local pid=""
  [[ -f $dir/data/postmaster.pid ]] && pid=$(head -n1 "$dir/data/postmaster.pid")
  [[ -n $pid ]] || { [[ -f $dir/pid ]] && pid=$(cat "$dir/pid"); }
  [[ -n $pid ]] || return 0
  stop_process "$pid" INT 20  # fast shutdown: roll back open transactions, exit
  rm -f "$dir/pid" "$dir/env"
}

remove_data() {
  local dir=$1
  [[ -L $dir/data ]] && rm -rf "$(readlink "$dir/data")"
  rm -rf "$dir/data"
}

cmd_status() {
  local dir=${1:?status needs DIR}
  [[ -f $dir/ports ]] && answers "$(port_of "$dir")"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  run) shift; cmd_run "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  destroy) shift; cmd_stop "$@"; remove_data "${1:?}"; rm -rf "${1:?}" ;;
  status) shift; cmd_status "$@" ;;
  *) echo "usage: $0 start [DIR] | run DIR | stop DIR | destroy DIR | status DIR" >&2; exit 2 ;;
esac
