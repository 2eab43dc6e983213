#!/usr/bin/env bash
# Reproduces results/network/: trains a small MLP on scikit-learn's bundled
# digits with a normalized and with a regularized last layer, exports features every 50 epochs
# and runs `nclandscape analyze` on each export. Installs scikit-learn and matplotlib from PyPI
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product nclandscape >&2
python3 -c "import sklearn, matplotlib" 2>/dev/null || python3 -m pip install -q scikit-learn matplotlib
rm -rf results/network/exports
# 400 epochs is what the committed results and their reading use; later flags override it.
python3 scripts/network_experiment.py --epochs 400 "$@"
