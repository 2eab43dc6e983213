#!/usr/bin/env bash
# Regenerates every page that shows command output, then checks all the docs:
#   docs/cli.md             from each command's --help          (scripts/make-cli-docs.sh)
#   README.md               the five-minute tour's outputs      (scripts/docs-run.py)
#   docs/tutorial.md        the tutorial, run end to end        (scripts/make-tutorial.sh)
#   results/README.md       the dates of the committed studies  (scripts/make-results-index.py)
# and finally scripts/check-docs.py (every relative link and anchor resolves).
#   scripts/make-docs.sh [--no-tutorial]     (the tutorial takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product nclandscape >&2
scripts/make-cli-docs.sh .build/release/nclandscape
rm -rf .build/readme-tour
python3 scripts/docs-run.py README.md --workdir .build/readme-tour --bin .build/release
if [[ ${1:-} != --no-tutorial ]]; then scripts/make-tutorial.sh; fi
python3 scripts/make-results-index.py
python3 scripts/check-docs.py
