#!/usr/bin/env bash
# Why near-collapse points need many (and start-dependent) Lanczos products.
#   1. A small near-collapse point (K = 10, d = 16, n = 20; m = 3150): the dense spectrum, and
#      how tightly its smallest eigenvalues cluster, relative to ‖M‖.
#   2. The same construction at K = 100, d = 128, n = 100 (m = 1.28·10⁶): `spectrum --method
#      lanczos` from four random starts (--seed 0…3), products, seconds, λ_min, and the
#      random-start lower bound of each.
# Points: simplex ETF classifiers, features = own classifier + 1e-3 Gaussian noise, renormalized,
# τ = 2, generated from NumPy seed 0 (the same recipe as bench-cifar.sh's near-collapse point).
# Usage: ./scripts/bench-near-collapse.sh [outdir]   (default results/scale; ~5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
BIN="$(ncl_release_binary)"
OUT="${1:-results/scale}"
mkdir -p "$OUT"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import numpy as np, sys
out = sys.argv[1]
def unit_rows(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)
for tag, K, d, n in [("small", 10, 16, 20), ("large", 100, 128, 100)]:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(K), n).astype(np.int64)
    M = np.eye(K) - 1.0 / K
    W = np.zeros((K, d)); W[:, :K] = unit_rows(M)
    np.save(f"{out}/y_{tag}.npy", y)
    np.save(f"{out}/W_{tag}.npy", W)
    np.save(f"{out}/H_{tag}.npy", unit_rows(W[y] + 1e-3 * rng.standard_normal((K * n, d))))
PY

( cd "$tmp" && "$BIN" spectrum --labels y_small.npy --classifiers W_small.npy --features H_small.npy --tau 2 \
    --method dense --json > dense.json )
for seed in 0 1 2 3; do
    echo "bench-near-collapse: lanczos seed $seed" >&2
    start=$(date +%s.%N)
    ( cd "$tmp" && "$BIN" spectrum --labels y_large.npy --classifiers W_large.npy --features H_large.npy --tau 2 \
        --method lanczos --seed "$seed" --json > "lanczos-$seed.json" )
    end=$(date +%s.%N)
    echo "$seed $start $end" >> "$tmp/times"
done

python3 - "$tmp" "$OUT" "$("$BIN" blas-info 2>/dev/null | head -2 | paste -sd , -)" <<'PY'
import json, sys, os
tmp, out, blas = sys.argv[1], sys.argv[2], sys.argv[3]
dense = json.load(open(f"{tmp}/dense.json"))
ev = dense["eigenvalues"]; norm = max(abs(ev[0]), abs(ev[-1]))
rows = []
for line in open(f"{tmp}/times"):
    seed, start, end = line.split()
    r = json.load(open(f"{tmp}/lanczos-{seed}.json"))
    rows.append({"seed": int(seed), "seconds": round(float(end) - float(start), 1),
                 "products": r["hessianVectorProducts"], "lambdaMin": r["lambdaMin"], "lambdaMax": r["lambdaMax"],
                 "lambdaMinProbabilisticLowerBound": r.get("lambdaMinProbabilisticLowerBound"),
                 "classification": r["classification"], "notes": r["notes"][:1]})
summary = {"blas": blas, "small": {"K": 10, "d": 16, "n": 20, "m": dense["hessianSize"], "spectralNorm": norm,
                                   "lowest": ev[:10], "classification": dense["classification"]},
           "large": {"K": 100, "d": 128, "n": 100, "runs": rows}}
tmpfile = f"{out}/near-collapse.jsonl.tmp"
with open(tmpfile, "w") as f:
    f.write(json.dumps(summary) + "\n")
os.replace(tmpfile, f"{out}/near-collapse.jsonl")
lines = ["# Near-collapse points (`./scripts/bench-near-collapse.sh`)", "",
         f"ETF classifiers, features = own classifier + 10⁻³ noise, τ = 2; release build, {blas}.", "",
         f"## Dense spectrum, K = 10, d = 16, n = 20 (m = {dense['hessianSize']}), class `{dense['classification']}`", "",
         "| i | λ_i | λ_i / ‖M‖ | (λ_{i+1} − λ_i) / ‖M‖ |", "|---|---|---|---|"]
for i in range(9):
    lines.append(f"| {i + 1} | {ev[i]:.6e} | {ev[i] / norm:.3e} | {(ev[i + 1] - ev[i]) / norm:.2e} |")
lines += ["", f"‖M‖ = {norm:.6g}; δ/10 = 10⁻⁹‖M‖ = {1e-9 * norm:.2e}.", "",
          "## Lanczos, K = 100, d = 128, n = 100 (m = 1 282 700), four random starts", "",
          "| seed | seconds | products | λ_min | λ_max | bound (prob. ≥ 1 − 10⁻⁶) | class |", "|---|---|---|---|---|---|---|"]
for r in rows:
    b = r["lambdaMinProbabilisticLowerBound"]
    lines.append(f"| {r['seed']} | {r['seconds']} | {r['products']} | {r['lambdaMin']:.6e} | {r['lambdaMax']:.6g} | "
                 f"{'' if b is None else f'{b:.3e}'} | {r['classification']} |")
tmpfile = f"{out}/near-collapse.md.tmp"
with open(tmpfile, "w") as f:
    f.write("\n".join(lines) + "\n")
os.replace(tmpfile, f"{out}/near-collapse.md")
print("\n".join(lines))
PY
