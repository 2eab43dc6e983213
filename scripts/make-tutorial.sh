#!/usr/bin/env bash
# Regenerates docs/tutorial.md: runs every command the page shows, in a fresh folder
# (.build/tutorial), writes each command's real output under it, and copies the page's figure
# to docs/tutorial/. Installs NumPy and scikit-learn from PyPI when missing (the tutorial trains
# on scikit-learn's bundled digits, no download). A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bindir="$(dirname "$(ncl_release_binary)")"
python3 -c "import numpy, sklearn" 2>/dev/null || python3 -m pip install -q numpy scikit-learn
work=.build/tutorial
rm -rf "$work"
python3 scripts/docs-run.py docs/tutorial.md --workdir "$work" --bin "$bindir"
mkdir -p docs/tutorial
rm -f docs/tutorial/*.svg
cp "$work/escape/escape_time.svg" docs/tutorial/escape_time.svg
echo "make-tutorial: docs/tutorial.md and docs/tutorial/escape_time.svg written; look at the figure before committing" >&2
