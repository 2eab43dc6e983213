#!/usr/bin/env bash
# Installs missing system packages, builds nclandscape in release mode and runs it.
# With no arguments it runs the main job on its small default configuration:
#   ./scripts/run.sh                       # = nclandscape verify --force --out results/runs/verify-default
#   ./scripts/run.sh spectrum point.json   # any subcommand and its options
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product nclandscape >&2
if [[ $# -eq 0 ]]; then
    if .build/release/nclandscape help verify >/dev/null 2>&1; then
        # The default run is seconds long: redo it each time instead of refusing its old folder.
        set -- verify --force --out results/runs/verify-default
    else
        .build/release/nclandscape point anti -o .build/example-anti.json
        set -- spectrum .build/example-anti.json
    fi
fi
exec .build/release/nclandscape "$@"
