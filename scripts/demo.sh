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
echo "The web console (docs/console.md): http://127.0.0.1:8083/ui/"
echo "  live map of the sensors:  http://127.0.0.1:8083/ui/#/map/demo.traffic?colour=avg_speed_kmh"
echo "  live records:             http://127.0.0.1:8083/ui/#/tap/demo.traffic"
echo "Stop with Ctrl-C (graceful: drains, flushes and commits)."
echo
exec build/bin/sluice run --worker configs/worker.yaml configs/pipelines/demo.yaml
