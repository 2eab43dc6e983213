#!/usr/bin/env bash
# Reproduces results/phase-coverage/: the balanced cross-entropy part of the phase study
# (K ∈ 3…5, d ∈ 2…K+2, n ∈ {1, 3}, τ ∈ {0.5, 2, 8, 32, 64, 100}, ε = 0; 180 configurations)
# re-run with measured coverage: descent starts are drawn in seeded batches of 64 until the
# missing mass max(Good–Turing f₁/S, 3/S) is at most 1% (cap 4000), every distinct point's label
# is certified where the proof applies, and extended precision decides where doubles cannot.
# Resumable (finished configurations are skipped); JOBS=… sets the parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product nclandscape >&2
BIN=.build/release/nclandscape
OUT=results/phase-coverage
mkdir -p "$OUT"
if [[ -f "$OUT/sweep.jsonl.gz" && ! -f "$OUT/sweep.jsonl" ]]; then gunzip -k "$OUT/sweep.jsonl.gz"; fi
start=$(date +%s)
"$BIN" sweep --K "${KS:-3,4,5}" --d 2..K+2 --n 1,3 --tau 0.5,2,8,32,64,100 --imbalance 1 --label-smoothing 0 \
    --until-missing-mass 0.01 --seed 0 --start-mix descent --jobs "${JOBS:-2}" --out "$OUT/sweep.jsonl"
echo "sweep wall time: $(( $(date +%s) - start )) s" >&2
rm -rf "$OUT/counterexamples"
"$BIN" phase "$OUT/sweep.jsonl" --out "$OUT"
(cd "$OUT" && tar czf counterexamples.tar.gz counterexamples && rm -rf counterexamples)
gzip -9 -f -k "$OUT/sweep.jsonl"
