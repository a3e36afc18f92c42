#!/usr/bin/env bash
# Installs the Node.js packages the tests and benchmarks use (s3rver and dynalite as local
# S3 and DynamoDB stores, AWS's Signature V4 signer to verify requests) into
# tests/support/node/node_modules, exactly as pinned by tests/support/node/package-lock.json.
# Needs node and npm (scripts/install-deps.sh). Idempotent: does nothing when the installed
# tree matches the lockfile. Also the web console's Leaflet and uPlot (core/console).
set -euo pipefail
dir=$(cd "$(dirname "$0")/../tests/support/node" && pwd)
command -v node >/dev/null || { echo "install-npm: node not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-npm: npm not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
stamp=$dir/node_modules/.sluice-lock.sha256
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "install-npm: installing $(cd "$dir" && node -e 'const p=require("./package.json");console.log(Object.entries(p.dependencies).map(([k,v])=>k+"@"+v).join(" "))')"
  # npm ci: exactly the lockfile, no resolution. --ignore-scripts is not used: classic-level
  # (dynalite's LevelDB) picks its bundled prebuilt binary in its install step on npm < 11.
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  # Refuse to go on with a store that cannot load (a native module without its binary).
  (cd "$dir" && node -e 'require("s3rver"); require("dynalite"); require("classic-level"); require("@smithy/signature-v4")')
  echo "$want" >"$stamp"
fi

# The web console's front-end libraries (Leaflet, uPlot), pinned by core/console's lockfile,
# served by the worker under /ui/vendor/.
console=$(cd "$(dirname "$0")/../core/console" && pwd)
console_stamp=$console/node_modules/.sluice-lock.sha256
console_want=$(sha256sum "$console/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $console_stamp || $(cat "$console_stamp") != "$console_want" ]]; then
  (cd "$console" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts)
  echo "$console_want" >"$console_stamp"
fi
