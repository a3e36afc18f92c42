#!/usr/bin/env bash
# The demo on a fresh Debian 12 machine: installs what is missing, builds, and runs the
# demo pipeline (synthetic road traffic -> embedded Kafka -> JSON-lines file) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo
echo "Records land in /tmp/sluice-demo/traffic.jsonl (see configs/pipelines/demo.yaml);"
echo "watch them with:  tail -f /tmp/sluice-demo/traffic.jsonl"
echo "Stop with Ctrl-C (graceful: drains, flushes and commits)."
echo
exec build/bin/sluice run --worker configs/worker.yaml configs/pipelines/demo.yaml
