#!/usr/bin/env bash
# Reproduces results/losses/: is the landscape benign for CosFace and focal loss?
#   losses: cross-entropy (baseline), CosFace m ∈ {0.1, 0.2, 0.35, 0.5}, focal γ ∈ {0.5, 1, 2, 5}
#   K ∈ {3, 4, 5, 6}, d ∈ K−2 … K+1, n ∈ {1, 2} (balanced), τ ∈ {2, 8, 32, 64}, ε = 0
# 1080 configurations, each with the ansatz families and descent starts drawn in seeded batches of
# 64 until the missing mass max(f₁/S, 3/S) is at most 1% (cap 4000), labels certified where the
# proof applies (cross-entropy and CosFace; not focal); then the phase maps (one per loss) and the
# counterexamples. Resumable like reproduce-phase.sh; JOBS=… sets parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
BIN="$(ncl_release_binary)"
OUT=results/losses
mkdir -p "$OUT"
if [[ -f "$OUT/sweep.jsonl.gz" && ! -f "$OUT/sweep.jsonl" ]]; then gunzip -k "$OUT/sweep.jsonl.gz"; fi
start=$(date +%s)
"$BIN" sweep --K 3,4,5,6 --d K-2..K+1 --n 1,2 --tau 2,8,32,64 \
    --loss cross-entropy,cosface,focal --margin 0.1,0.2,0.35,0.5 --gamma 0.5,1,2,5 \
    --until-missing-mass 0.01 --seed 0 --start-mix descent --jobs "${JOBS:-2}" --out "$OUT/sweep.jsonl"
echo "sweep wall time: $(( $(date +%s) - start )) s" >&2
rm -rf "$OUT/counterexamples"
"$BIN" phase "$OUT/sweep.jsonl" --out "$OUT"
(cd "$OUT" && tar czf counterexamples.tar.gz counterexamples && rm -rf counterexamples)
gzip -9 -f "$OUT/sweep.jsonl"
