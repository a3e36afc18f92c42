#!/usr/bin/env bash
# Installs every Debian package sluice needs to build, test and benchmark.
# Idempotent and non-interactive: packages already present are skipped.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  librdkafka-dev
  libboost-dev libboost-filesystem-dev libboost-system-dev
  libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev
  doctest-dev libcurl4-openssl-dev libssl-dev openssl libsimdjson-dev zlib1g-dev
  kcat curl file procps tzdata
  prometheus docker-compose
  clickhouse-server clickhouse-client
  # the fuzzing suite (scripts/fuzz.sh): clang with libFuzzer and the sanitizers
  clang libclang-rt-14-dev
  # S3, DynamoDB, Redis and HTTP connectors: hiredis, a Redis server for tests; node and npm
  # run the local S3 and DynamoDB stores (scripts/install-npm.sh installs their packages)
  libhiredis-dev redis-server redis-tools
  # SQL connectors: libpq and MariaDB Connector/C, servers for tests
  libpq-dev postgresql libmariadb-dev mariadb-server mariadb-client
  # the web console's browser test: Debian's chromium, driven by playwright-core (npm)
  chromium
)
# A machine may already have Node.js from elsewhere (with its own npm): keep it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  # sudo resets the environment: the non-interactive front end is passed through env.
  sudo_cmd=(env DEBIAN_FRONTEND=noninteractive)
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo "${sudo_cmd[@]}"); fi
  echo "install-deps: installing ${missing[*]}"
  # A package run cut short earlier (a machine image built while dpkg ran, a killed job)
  # leaves dpkg "interrupted", and apt then refuses every install until it is finished.
  # Finishing it is what apt itself asks for, and a no-op on a healthy machine. Another
  # apt run holding the lock (unattended upgrades on a fresh machine) is waited for.
  apt_opts=(-q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  "${sudo_cmd[@]}" dpkg --force-confdef --force-confold --configure -a
  "${sudo_cmd[@]}" apt-get "${apt_opts[@]}" update
  "${sudo_cmd[@]}" apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" ||
    { "${sudo_cmd[@]}" dpkg --force-confdef --force-confold --configure -a &&
      "${sudo_cmd[@]}" apt-get "${apt_opts[@]}" install -y --no-install-recommends -f "${missing[@]}"; }
fi

# The Node.js packages of the local S3 and DynamoDB stores, pinned by their lockfile: now,
# once, rather than by the first test fixture that starts a store (two could race).
"$(dirname "$0")/install-npm.sh"
