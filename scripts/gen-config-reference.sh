#!/usr/bin/env bash
# Rewrites docs/config-reference.md from the declarations in the code (needs a build).
set -euo pipefail
cd "$(dirname "$0")/.."
build/bin/sluice plugins --markdown --plugin-dir build/plugins > docs/config-reference.md
echo "docs/config-reference.md regenerated"
