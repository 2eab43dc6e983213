#!/usr/bin/env bash
# Reproduces results/comparison/: the normalized model (product of spheres, temperature τ) against
# the regularized one (Euclidean, weight decay λ_W = λ_H = λ, cross-entropy, no bias) on matched
# configurations, through the same analysis (docs/formulas.md §8):
# - λ matched to τ: the regularized optimum has the normalized optimum's logit margin τK/(K−1),
#   λ = (K−1)a / (K(K−1+e^{τK/(K−1)})), a = K/((K−1)√n) (checked on the written optimum);
# - verify on both (ansatz families + 40 random starts, seed 0): the saddle census;
# - spectra at the optimum (condition number λ_max/λ_min(M_⊥), modulo the O(d) symmetry) and at
#   the corresponding saddles (total collapse, two groups, anti-aligned features);
# - fixed-step gradient descent escaping total collapse at steps η = c/L, c ∈ {0.25,…,1.9},
#   L = max(λ_max at the saddle, λ_max at the optimum), radius 1e-4, random directions, 4 seeds;
#   the best constant step is the one with the smallest median number of iterations to converge
#   (escape + descent to ‖grad‖ ≤ 1e-8 γ) among steps whose runs all end at a global minimizer.
# BIN=path overrides the binary (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BIN:-}" ]]; then
    source scripts/setup.sh
    swift build -c release --product nclandscape >&2
    BIN=.build/release/nclandscape
fi
OUT=results/comparison
RUNS="$OUT/runs"
rm -rf "$RUNS"; mkdir -p "$RUNS"
# K d n τ per configuration; CONFIGS_OVERRIDE='K d n τ;…' runs others.
IFS=';' read -r -a CONFIGS <<< "${CONFIGS_OVERRIDE:-3 4 2 2;4 5 3 2;4 5 3 4;5 6 2 3}"
for cfg in "${CONFIGS[@]}"; do
    read -r K D N TAU <<< "$cfg"
    LAM=$(python3 -c "import math; K,n,t=$K,$N,$TAU; a=K/((K-1)*math.sqrt(n)); print(repr((K-1)*a/(K*(K-1+math.exp(t*K/(K-1))))))")
    C="$RUNS/K$K-d$D-n$N-tau$TAU"; mkdir -p "$C"
    echo "$cfg λ=$LAM" >&2
    echo "{\"K\":$K,\"d\":$D,\"n\":$N,\"tau\":$TAU,\"lambda\":$LAM}" > "$C/config.json"
    NORM=(--K "$K" --d "$D" --n "$N" --tau "$TAU")
    REG=(--model regularized --K "$K" --d "$D" --n "$N" --lambda-w "$LAM" --lambda-h "$LAM")
    "$BIN" verify "${NORM[@]}" --starts 40 --seed 0 --jobs 2 --no-certify --out "$C/normalized-verify" --json > "$C/normalized-verify.json"
    "$BIN" verify "${REG[@]}" --starts 40 --seed 0 --jobs 2 --out "$C/regularized-verify" --json > "$C/regularized-verify.json"
    "$BIN" point etf "${NORM[@]}" -o "$C/normalized-optimum.json"
    "$BIN" point optimum "${REG[@]}" -o "$C/regularized-optimum.json"
    for m in normalized regularized; do "$BIN" spectrum "$C/$m-optimum.json" --json > "$C/$m-optimum-spectrum.json"; done
    for kind in total anti; do
        "$BIN" point "$kind" "${NORM[@]}" -o "$C/normalized-$kind.json"
        "$BIN" point "$kind" "${REG[@]}" -o "$C/regularized-$kind.json"
        for m in normalized regularized; do
            "$BIN" spectrum "$C/$m-$kind.json" --polish --json --polished-output "$C/$m-$kind-polished.json" > "$C/$m-$kind-spectrum.json"
        done
    done
    # Escape from total collapse at a grid of constant steps.
    for m in normalized regularized; do
        read -r L RHO <<< "$(python3 - "$C" "$m" <<'PY'
import json, sys, math
c, m = sys.argv[1], sys.argv[2]
sad = json.load(open(f"{c}/{m}-total-spectrum.json")); opt = json.load(open(f"{c}/{m}-optimum-spectrum.json"))
L = max(sad["lambdaMax"], opt["lambdaMax"])
p = json.load(open(f"{c}/{m}-optimum.json"))
cols = p["classifiers"] + p["features"]
rms = math.sqrt(sum(sum(v * v for v in col) for col in cols) / len(cols))
# ρ = 0.1 radians on unit spheres; the same fraction of the optimum's column norm on Euclidean space.
print(L, 0.1 * rms)
PY
)"
        if [[ $m == normalized ]]; then ARGS=("${NORM[@]}"); else ARGS=("${REG[@]}"); fi
        for c in 0.25 0.5 1 1.5 1.9; do
            STEP=$(python3 -c "print(repr($c / $L))")
            "$BIN" escape "${ARGS[@]}" --point "$C/$m-total-polished.json" --optimizer gd --step "$STEP" --rho "$RHO" \
                --radii 1e-4 --directions random --seeds 4 --seed 0 --jobs 2 --max-iterations 200000 \
                --out "$C/$m-escape-c$c" --json > "$C/$m-escape-c$c.json" || echo "escape $m c=$c failed" >&2
        done
    done
done
python3 scripts/summarize_comparison.py "$OUT"
