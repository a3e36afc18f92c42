# What the private database server scripts (postgres-server.sh, mariadb-server.sh) share;
# sourced, not run. Before sourcing, set SERVER_SCRIPT (for messages), SERVER_OS_USER (an
# override of the account, may be empty) and SERVER_DEFAULT_ACCOUNT (the account Debian's
# package creates: postgres, mysql).

die() { echo "$SERVER_SCRIPT: $*" >&2; exit 1; }

# shellcheck source=local-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/local-server.sh"

# The account the server runs as: the caller, or when the caller is root (database servers
# refuse to run as root) $SERVER_OS_USER, else the package's account, else nobody.
os_user() {
  if [[ $(id -u) -ne 0 ]]; then id -un; return; fi
  local u=$SERVER_OS_USER
  [[ -n $u ]] || { id "$SERVER_DEFAULT_ACCOUNT" >/dev/null 2>&1 && u=$SERVER_DEFAULT_ACCOUNT || u=nobody; }
  echo "$u"
}

# RUN_AS: the prefix running a command as that account (setpriv execs the command itself,
# no intermediate process: signals reach the server).
RUN_AS=()
if [[ $(id -u) -eq 0 ]]; then
  RUN_AS=(setpriv --reuid="$(os_user)" --regid="$(id -g "$(os_user)")" --init-groups --)
fi

# True when the server's account can reach DIR (a private temporary folder of root cannot).
reachable() { [[ $(id -u) -ne 0 ]] || "${RUN_AS[@]}" test -x "$1"; }

# DIR, made absolute and created; searchable by others when root owns it.
absolute_dir() {
  mkdir -p "$1"
  local dir
  dir=$(cd "$1" && pwd)
  [[ $(id -u) -ne 0 ]] || chmod 755 "$dir"
  echo "$dir"
}

# Waits for `answers ARGS...` (a function), giving up after READY_TIMEOUT_S (LOG is shown).
# Returns 1 when PID exited during start-up (its log tells why), 0 once it answers.
await_server() {
  local pid=$1 log=$2 waited=0
  shift 2
  until "$@"; do
    kill -0 "$pid" 2>/dev/null || return 1
    ((waited++ < READY_TIMEOUT_S * 5)) || { kill -KILL "$pid" 2>/dev/null || true; tail -n 20 "$log" >&2 2>/dev/null || true; die "no answer within ${READY_TIMEOUT_S} s (log: $log)"; }
    sleep 0.2
  done
}

# After a start-up that failed: when the log's last lines say the port was taken (another
# process bound it since it was chosen), returns 0 for the caller to take another port;
# otherwise shows the log and dies.
port_was_taken() {
  local log=$1
  if tail -n 20 "$log" 2>/dev/null | grep -q "Address already in use"; then return 0; fi
  tail -n 20 "$log" >&2 2>/dev/null || true
  die "the server exited during start-up (log: $log)"
}

# Stops the process PID: SIGNAL, then SIGKILL after GRACE_S seconds.
stop_process() {
  local pid=$1 signal=$2 grace_s=$3 waited=0
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited++ >= grace_s * 5)); then
      echo "$SERVER_SCRIPT: $pid ignored SIG$signal for $grace_s s, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
}
