#!/usr/bin/env bash
# A private S3 (s3rver) or DynamoDB (dynalite) store for tests and benchmarks, behind a
# front that verifies AWS Signature V4 (tests/support/node/aws-store.js says why): runs as
# the current user on 127.0.0.1 only, data in one folder, on a free port, so several can
# run side by side. scripts/s3-server.sh and scripts/dynamodb-server.sh call this one.
#
#   aws-store.sh KIND start [DIR]   start in the background (DIR: a new temporary folder),
#                                   wait until it answers, print the variables below
#   aws-store.sh KIND run DIR       the same in the foreground (exec: the caller owns it)
#   aws-store.sh KIND stop DIR      stop it; data kept, a later `start DIR` serves the same
#                                   data on the same port
#   aws-store.sh KIND destroy DIR   stop it and remove DIR
#   aws-store.sh KIND status DIR    exit 0 when it answers, 1 otherwise
#
# KIND is s3 or dynamodb. `start` prints (and writes to DIR/env, for `source`), with P = S3
# or DYNAMODB:  P_ENDPOINT_URL=http://127.0.0.1:<port>  P_REGION=us-east-1
#   P_ACCESS_KEY_ID=...  P_SECRET_ACCESS_KEY=...  P_DIR=<DIR>  P_PID=<pid>
# The credentials are fixed test values; the front refuses any other secret the way AWS does.
# Needs node (scripts/install-deps.sh) and the packages of scripts/install-npm.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/local-server.sh
source "$here/lib/local-server.sh"
READY_TIMEOUT_S=${SLUICE_STORE_READY_TIMEOUT_S:-60}

kind=${1:-}
case $kind in
  s3) prefix=S3 ;;
  dynamodb) prefix=DYNAMODB ;;
  *) echo "usage: $0 s3|dynamodb start [DIR] | run DIR | stop DIR | destroy DIR | status DIR" >&2; exit 2 ;;
esac
shift
name="$kind-server.sh"
die() { echo "$name: $*" >&2; exit 1; }

ACCESS_KEY=sluice-test-key
SECRET_KEY=sluice-test-secret
REGION=us-east-1

port_of() { sed -n "s|^${prefix}_ENDPOINT_URL=http://127.0.0.1:||p" "$1/ports"; }

answers() {
  local reply
  reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf 'GET /__sluice/stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && cat <&3" 2>/dev/null) || return 1
  [[ $reply == "HTTP/1.1 200"* ]]
}

prepare() {
  local dir=$1
  command -v node >/dev/null || die "node not found: run scripts/install-deps.sh"
  "$here/install-npm.sh" >&2
  mkdir -p "$dir/data" "$dir/log"
  if [[ ! -f $dir/ports ]] || { port_in_use "$(port_of "$dir")" listening && ! answers "$(port_of "$dir")"; }; then
    {
      echo "${prefix}_ENDPOINT_URL=http://127.0.0.1:$(free_port)"
      echo "${prefix}_REGION=$REGION"
      echo "${prefix}_ACCESS_KEY_ID=$ACCESS_KEY"
      echo "${prefix}_SECRET_ACCESS_KEY=$SECRET_KEY"
      echo "${prefix}_DIR=$dir"
    } >"$dir/ports"
  fi
  if answers "$(port_of "$dir")"; then
    [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && die "a server already runs for $dir"
  fi
}

command_line() {
  local dir=$1
  # --openssl-legacy-provider: s3rver makes its continuation tokens with DES, which OpenSSL 3
  # has only in its legacy provider (without it every truncated listing is an HTTP 500).
  echo node --openssl-legacy-provider "$here/../tests/support/node/aws-store.js" --kind "$kind" --dir "$dir/data" --port "$(port_of "$dir")" \
    --access-key "$ACCESS_KEY" --secret "$SECRET_KEY" --region "$REGION"
}

cmd_start() {
  local dir=${1:-}
  [[ -n $dir ]] || dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-$kind-XXXXXX")
  dir=$(absolute_dir "$dir")
  prepare "$dir"
  # shellcheck disable=SC2046
  (exec setsid $(command_line "$dir") >>"$dir/log/stdout.log" 2>>"$dir/log/stderr.log" </dev/null) &
  local pid=$! rc=0
  echo "$pid" >"$dir/pid"
  wait_ready "$READY_TIMEOUT_S" "$pid" answers "$(port_of "$dir")" || rc=$?
  if ((rc != 0)); then
    tail -n 20 "$dir/log/stderr.log" >&2 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    die "the store did not answer on port $(port_of "$dir") (logs in $dir/log)"
  fi
  publish_env "$dir" "${prefix}_PID" "$pid"
  cat "$dir/env"
}

cmd_run() {
  local dir=${1:?run needs DIR}
  dir=$(absolute_dir "$dir")
  prepare "$dir"
  publish_env "$dir" "${prefix}_PID" "$$"
  # shellcheck disable=SC2046
  exec $(command_line "$dir")
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  run) shift; cmd_run "$@" ;;
  stop) shift; stop_pid_file "${1:?stop needs DIR}/pid" "$name" ;;
  destroy) shift; stop_pid_file "${1:?destroy needs DIR}/pid" "$name"; rm -rf "${1:?}" ;;
  status) shift; [[ -f ${1:?status needs DIR}/ports ]] && answers "$(port_of "$1")" ;;
  *) echo "usage: $name start [DIR] | run DIR | stop DIR | destroy DIR | status DIR" >&2; exit 2 ;;
esac
