# Helpers the scripts that start private test servers share (source it): free ports on
# 127.0.0.1 read from /proc (no tools needed), and a bounded wait for readiness.

# True when some TCP socket of this machine has this local port (read from /proc): any
# socket by default (a port to choose must be untouched), or with `listening` only a
# listening one (a restarted server takes its port back: its clients' connections in
# TIME_WAIT do not stop it).
port_in_use() {
  local hex state=${2:-any}
  hex=$(printf '%04X' "$1")
  awk -v p=":$hex" -v s="$state" '(s == "any" || $4 == "0A") && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A port no socket uses, below the kernel's ephemeral range: an outgoing connection of any
# process may take a port in that range at any moment, and a store stopped for an outage
# test could not get its port back (EADDRINUSE).
free_port() {
  local low=32768 port tries=0
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  ((low > 11000)) || low=32768
  while ((tries++ < 200)); do
    port=$((10000 + RANDOM % (low - 10000)))
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  echo "no free port found" >&2
  return 1
}

# wait_ready SECONDS PID CHECK...: runs CHECK every 0.2 s until it succeeds (0), the process
# PID exits (1) or SECONDS pass (2).
wait_ready() {
  local seconds=$1 pid=$2 waited=0
  shift 2
  until "$@"; do
    kill -0 "$pid" 2>/dev/null || return 1
    ((waited++ < seconds * 5)) || return 2
    sleep 0.2
  done
}

# stop_pid_file FILE NAME: SIGTERM the process in FILE, SIGKILL after 20 s; removes FILE.
stop_pid_file() {
  local file=$1 name=$2 pid waited=0
  [[ -f $file ]] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
      if ((waited++ >= 100)); then
        echo "$name: $pid ignored SIGTERM for 20 s, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  fi
  rm -f "$file"
}

# publish_env DIR VARIABLE PID: DIR/env = DIR/ports plus VARIABLE=PID, written whole (renamed
# into place) so whoever waits for it never reads half of it; PID also goes to DIR/pid.
publish_env() {
  { cat "$1/ports"; echo "$2=$3"; } >"$1/env.tmp"
  mv "$1/env.tmp" "$1/env"
  echo "$3" >"$1/pid"
}

# absolute_dir DIR: creates DIR and prints its absolute path.
absolute_dir() {
  mkdir -p "$1"
  (cd "$1" && pwd)
}
