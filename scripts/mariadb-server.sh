#!/usr/bin/env bash
# A private MariaDB server for tests and benchmarks: one data directory in one folder,
# listening on 127.0.0.1 only on a free port (its Unix socket inside the folder), so
# several can run side by side and nothing of the machine's own MariaDB (if any) is touched.
#
#   mariadb-server.sh start [DIR]   create the data directory if DIR has none (DIR: a new
#                                   temporary folder), start the server in the background,
#                                   wait until it answers, create the users and database
#                                   below, print the variables below
#   mariadb-server.sh run DIR       the same server in the foreground (exec: the caller owns
#                                   the process, e.g. a test that kills it itself)
#   mariadb-server.sh stop DIR      stop it (SIGTERM, SIGKILL after 30 s); data kept, a later
#                                   `start DIR` serves the same tables on the same port
#   mariadb-server.sh destroy DIR   stop it and remove DIR
#   mariadb-server.sh status DIR    exit 0 when it answers, 1 otherwise
#
# `start` prints (and writes to DIR/env, for `source`):
#   MARIADB_HOST=127.0.0.1  MARIADB_PORT=<port>  MARIADB_DB=sluice
#   MARIADB_USER=sluice  MARIADB_PASSWORD=sluice-secret  (every privilege on sluice.*)
#   MARIADB_ADMIN_USER=root  (every privilege, no password, from 127.0.0.1 and the socket)
#   MARIADB_SOCKET=<DIR>/mysqld.sock  MARIADB_URL=mysql://127.0.0.1:<port>/sluice
#   MARIADB_DIR=<DIR>  MARIADB_PID=<pid>
#
# When started by root the server runs as $SLUICE_MARIADB_OS_USER (default: the `mysql`
# account Debian's package creates, else `nobody`), owning the data directory.
# SLUICE_MARIADB_FLUSH=0 trades durability for speed (innodb_flush_log_at_trx_commit,
# default 1). Needs Debian's mariadb-server and mariadb-client packages (scripts/install-deps.sh).
set -euo pipefail

SERVER_BIN=${SLUICE_MARIADB_SERVER_BIN:-$(command -v mariadbd || echo /usr/sbin/mariadbd)}
INSTALL_DB=${SLUICE_MARIADB_INSTALL_DB:-$(command -v mariadb-install-db || echo /usr/bin/mariadb-install-db)}
CLIENT=${SLUICE_MARIADB_CLIENT:-$(command -v mariadb || echo /usr/bin/mariadb)}
READY_TIMEOUT_S=${SLUICE_MARIADB_READY_TIMEOUT_S:-60}
FLUSH=${SLUICE_MARIADB_FLUSH:-1}

SERVER_SCRIPT=mariadb-server.sh SERVER_OS_USER=${SLUICE_MARIADB_OS_USER:-} SERVER_DEFAULT_ACCOUNT=mysql
# shellcheck source=lib/private-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/private-server.sh"

port_of() { sed -n 's/^MARIADB_PORT=//p' "$1/ports"; }

# Where the server keeps its files (data, socket, pid, error log): DIR, or, when the
# server's account cannot reach DIR (a private temporary folder of root), a folder of its
# own under $TMPDIR that DIR/home links to (made by make_home, when the config is written).
home_of() {
  if [[ -L $1/home ]]; then readlink -f "$1/home"; else echo "$1"; fi
}
make_home() {
  local dir=$1 home
  if [[ -L $dir/home ]] || reachable "$dir"; then return 0; fi
  home=$(mktemp -d "${TMPDIR:-/tmp}/sluice-mariadb-home-XXXXXX")
  chmod 755 "$home"
  ln -s "$home" "$dir/home"
}

# Answers a query over TCP as root (no password from 127.0.0.1).
answers() {
  timeout 5 "$CLIENT" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$1" -u root -N -e 'SELECT 1' >/dev/null 2>&1
}

write_config() {
  local dir=$1 port home
  port=$(free_port)
  make_home "$dir"
  home=$(home_of "$dir")
  cat >"$dir/my.cnf" <<EOF
[mariadbd]
datadir = $home/data
socket = $home/mysqld.sock
pid-file = $home/mysqld.pid
port = $port
bind-address = 127.0.0.1
user = $(os_user)
log-error = $home/log/error.log
skip-name-resolve
skip-log-bin
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
default-time-zone = '+00:00'
innodb_buffer_pool_size = 256M
innodb_log_file_size = 256M
innodb_flush_log_at_trx_commit = $FLUSH
max_connections = 200
max_allowed_packet = 64M
local-infile = 1
EOF
  {
    echo "MARIADB_HOST=127.0.0.1"
    echo "MARIADB_PORT=$port"
    echo "MARIADB_DB=sluice"
    echo "MARIADB_USER=sluice"
    echo "MARIADB_PASSWORD=sluice-secret"
    echo "MARIADB_ADMIN_USER=root"
    echo "MARIADB_SOCKET=$home/mysqld.sock"
    echo "MARIADB_URL=mysql://127.0.0.1:$port/sluice"
    echo "MARIADB_DIR=$dir"
  } >"$dir/ports"
}

init_data() {
  local dir=$1 home
  home=$(home_of "$dir")
  mkdir -p "$home/data" "$home/log" "$dir/log"
  [[ $(id -u) -ne 0 ]] || chown "$(os_user):" "$home/data" "$home/log" "$home"
  "$INSTALL_DB" --defaults-file="$dir/my.cnf" --auth-root-authentication-method=normal --skip-test-db \
    >"$dir/log/install-db.log" 2>&1 ||
    { tail -n 30 "$dir/log/install-db.log" >&2; die "mariadb-install-db failed (log in $dir/log/install-db.log)"; }
}

prepare() {
  local dir=$1
  [[ -x $SERVER_BIN ]] || die "$SERVER_BIN not found: install mariadb-server (scripts/install-deps.sh)"
  mkdir -p "$dir"
  [[ -f $dir/my.cnf && -f $dir/ports ]] || write_config "$dir"
  [[ -d $(home_of "$dir")/data/mysql ]] || { rm -rf "$(home_of "$dir")/data"; init_data "$dir"; }
  if port_in_use "$(port_of "$dir")" listening; then
    [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && die "a server already runs for $dir"
    new_port "$dir"
  fi
}

# The same server on another free port.
new_port() {
  local dir=$1 port
  port=$(free_port)
  sed -i "s/^port = .*/port = $port/" "$dir/my.cnf"
  sed -i "s/^MARIADB_PORT=.*/MARIADB_PORT=$port/; s|^MARIADB_URL=.*|MARIADB_URL=mysql://127.0.0.1:$port/sluice|" "$dir/ports"
}

# The users and database the tests use (idempotent). Over the socket: root@localhost.
create_users() {
  local dir=$1
  "$CLIENT" --no-defaults -S "$(home_of "$dir")/mysqld.sock" -u root <<'EOF'
CREATE DATABASE IF NOT EXISTS sluice CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'sluice'@'%' IDENTIFIED BY 'sluice-secret';
GRANT ALL PRIVILEGES ON sluice.* TO 'sluice'@'%';
EOF
}

write_env() {
  local dir=$1 pid=$2
  { cat "$dir/ports"; echo "MARIADB_PID=$pid"; } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

socket_answers() {
  timeout 5 "$CLIENT" --no-defaults -S "$(home_of "$1")/mysqld.sock" -u root -N -e 'SELECT 1' >/dev/null 2>&1
}

cmd_start() {
  local dir=${1:-}
  [[ -n $dir ]] || dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-mariadb-XXXXXX")
  dir=$(absolute_dir "$dir")
  prepare "$dir"
  local pid attempt
  for attempt in 1 2 3; do
    (cd "$dir" && exec setsid "$SERVER_BIN" --defaults-file="$dir/my.cnf" \
        >>"$dir/log/stdout.log" 2>&1 </dev/null) &
    pid=$!
    echo "$pid" >"$dir/pid"
    await_server "$pid" "$(home_of "$dir")/log/error.log" socket_answers "$dir" && break
    port_was_taken "$(home_of "$dir")/log/error.log"
    ((attempt < 3)) || die "no free port after 3 attempts"
    new_port "$dir"
  done
  create_users "$dir" || die "creating the sluice user and database failed"
  answers "$(port_of "$dir")" || die "the server answers on its socket but not on 127.0.0.1:$(port_of "$dir")"
  write_env "$dir" "$pid"
  cat "$dir/env"
}

cmd_run() {
  local dir
  dir=$(absolute_dir "${1:?run needs DIR}")
  prepare "$dir"
  echo "$$" >"$dir/pid"
  (
    for _ in $(seq $((READY_TIMEOUT_S * 5))); do
      if socket_answers "$dir"; then create_users "$dir" >/dev/null 2>&1 && write_env "$dir" "$(cat "$dir/pid")"; exit 0; fi
      kill -0 "$(cat "$dir/pid" 2>/dev/null || echo 0)" 2>/dev/null || exit 0
      sleep 0.2
    done
  ) </dev/null >/dev/null 2>&1 &
  cd "$dir"
  exec "$SERVER_BIN" --defaults-file="$dir/my.cnf" >>"$dir/log/stdout.log" 2>&1
}

cmd_stop() {
  local dir=${1:?stop needs DIR}
  local pid=""
  [[ -f $(home_of "$dir")/mysqld.pid ]] && pid=$(cat "$(home_of "$dir")/mysqld.pid")
  [[ -n $pid ]] || { [[ -f $dir/pid ]] && pid=$(cat "$dir/pid"); }
  [[ -n $pid ]] || return 0
  stop_process "$pid" TERM 30
  rm -f "$dir/pid" "$dir/env"
}

cmd_status() {
  local dir=${1:?status needs DIR}
  [[ -f $dir/ports ]] && answers "$(port_of "$dir")"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  run) shift; cmd_run "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  destroy) shift; cmd_stop "$@"; [[ -L ${1:?}/home ]] && rm -rf "$(readlink -f "$1/home")"; rm -rf "${1:?}" ;;
  status) shift; cmd_status "$@" ;;
  *) echo "usage: $0 start [DIR] | run DIR | stop DIR | destroy DIR | status DIR" >&2; exit 2 ;;
esac
