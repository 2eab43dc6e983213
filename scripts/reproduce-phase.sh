#!/usr/bin/env bash
# Reproduces results/phase/: a sweep of the verify pipeline over
#   K ∈ 3…8, d ∈ 2…K+2, n ∈ {1, 3}, τ ∈ {0.5, 2, 8, 32, 64, 100}, imbalance ratio ∈ {1, 5, 20}
#   (one majority class with ratio·n samples), ε ∈ {0, 0.1}
# with 6 descent starts per configuration plus the ansatz families, then the phase diagrams.
# 2808 configurations, about 8500 CPU-seconds (75 minutes with JOBS=2 on 2 cores).
# Resumable: the committed sweep.jsonl.gz is unpacked and continued; finished configurations are
# skipped. JOBS=… sets the parallelism. The bulky outputs are stored compressed: sweep.jsonl.gz
# and counterexamples.tar.gz (one point JSON per spurious minimizer).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product nclandscape >&2
BIN=.build/release/nclandscape
OUT=results/phase
mkdir -p "$OUT"
if [[ -f "$OUT/sweep.jsonl.gz" && ! -f "$OUT/sweep.jsonl" ]]; then gunzip -k "$OUT/sweep.jsonl.gz"; fi
"$BIN" sweep --K 3,4,5,6,7,8 --d 2..K+2 --n 1,3 --tau 0.5,2,8,32,64,100 --imbalance 1,5,20 --label-smoothing 0,0.1 \
    --starts "${STARTS:-6}" --seed 0 --start-mix descent --jobs "${JOBS:-2}" --out "$OUT/sweep.jsonl"
rm -rf "$OUT/counterexamples"
"$BIN" phase "$OUT/sweep.jsonl" --out "$OUT"
(cd "$OUT" && tar czf counterexamples.tar.gz counterexamples && rm -rf counterexamples)
gzip -9 -f "$OUT/sweep.jsonl"
