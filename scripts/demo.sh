#!/usr/bin/env bash
# The demo on a fresh Debian 12 machine: installs what is missing, builds, and runs the
# demo pipeline (synthetic road traffic -> embedded Kafka -> JSON-lines file) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
export SLUICE_DEMO_OUTPUT=${SLUICE_DEMO_OUTPUT:-/tmp/sluice-demo/traffic.jsonl}
echo
echo "Records land in $SLUICE_DEMO_OUTPUT; watch them with:  tail -f $SLUICE_DEMO_OUTPUT"
echo "Stop with Ctrl-C (graceful: drains, flushes and commits)."
echo
exec build/bin/sluice run --worker configs/worker.yaml configs/pipelines/demo.yaml
