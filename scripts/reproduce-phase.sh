#!/usr/bin/env bash
# Reproduces results/phase/: a sweep of the verify pipeline over
#   K ∈ 3…6 (KS=… to change), d ∈ 2…K+2, n ∈ {1, 3}, τ ∈ {0.5, 2, 8, 32, 64, 100},
#   imbalance ratio ∈ {1, 5, 20} (one majority class with ratio·n samples), ε ∈ {0, 0.1}
# with measured coverage: descent starts (plus the ansatz families) drawn in seeded batches of 64
# until the missing mass max(Good–Turing f₁/S, 3/S) is at most 1% (cap 4000 starts), every
# distinct point's label certified where the proof applies (docs/formulas.md §13, §14).
# 1584 configurations; the CPU time it took is in results/phase/README.md.
# Resumable: the committed sweep.jsonl.gz is unpacked and continued; finished configurations are
# skipped. JOBS=… sets the parallelism. The bulky outputs are stored compressed: sweep.jsonl.gz
# and counterexamples.tar.gz (one point JSON per spurious minimizer).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
BIN="$(ncl_release_binary)"
OUT=results/phase
mkdir -p "$OUT"
if [[ -f "$OUT/sweep.jsonl.gz" && ! -f "$OUT/sweep.jsonl" ]]; then gunzip -k "$OUT/sweep.jsonl.gz"; fi
start=$(date +%s)
"$BIN" sweep --K "${KS:-3,4,5,6}" --d 2..K+2 --n 1,3 --tau 0.5,2,8,32,64,100 --imbalance "${IMB:-1,5,20}" --label-smoothing "${EPS:-0,0.1}" \
    --until-missing-mass 0.01 --seed 0 --start-mix descent --jobs "${JOBS:-2}" --out "$OUT/sweep.jsonl"
echo "sweep wall time: $(( $(date +%s) - start )) s" >&2
rm -rf "$OUT/counterexamples"
"$BIN" phase "$OUT/sweep.jsonl" --out "$OUT"
(cd "$OUT" && tar czf counterexamples.tar.gz counterexamples && rm -rf counterexamples)
gzip -9 -f "$OUT/sweep.jsonl"
