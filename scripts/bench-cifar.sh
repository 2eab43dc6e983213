#!/usr/bin/env bash
# CIFAR-100-sized points (K = 100 classes, n = 500 per class, N = 50 000 features in d = 512,
# tangent dimension m = 2.56·10⁷), release build, one run each, on this machine:
#   random  : classifiers and features uniform on the sphere (seeded);
#   near    : simplex ETF classifiers, features = own classifier + 1e-3 or 1e-2 Gaussian noise
#             (one draw, two scales), renormalized (what a trained network's last layer looks like);
#             at 1e-2 also with the previous stopping rule (--lambda-min-bracket 0), as the baseline;
# each through `spectrum --method lanczos` (λ_min, class) under a memory budget, and the random
# point through `spectrum --method density` (stochastic Lanczos quadrature).
# Records wall seconds, peak resident memory (GNU time), Hessian-vector products, λ_min, class.
# Usage: ./scripts/bench-cifar.sh [outdir] [budget-GiB]   (defaults: results/scale, 8)
#   LIMIT=seconds caps each run (default 1800); a run stopped there is reported as such.
#   RUNS="lanczos-near-1e-2 ..." runs only those (default: all five); rows go to $OUT/cifar-partial.*
#   SEED=s starts Lanczos from random vector s (default 0; the inputs stay the same); rows record it.
# Needs ~1.5 GB of scratch space for the .npy inputs (deleted at exit) and python3-numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
BIN="$(ncl_release_binary)"
OUT="${1:-results/scale}"
BUDGET="${2:-8}"
LIMIT="${LIMIT:-1800}"
command -v /usr/bin/time >/dev/null || { echo "bench-cifar: needs GNU time (apt-get install time)" >&2; exit 1; }
mkdir -p "$OUT"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import numpy as np, sys
out = sys.argv[1]
K, d, n = 100, 512, 500
rng = np.random.default_rng(0)
def unit_rows(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)
y = np.repeat(np.arange(K), n).astype(np.int64)
np.save(f"{out}/y.npy", y)
np.save(f"{out}/W_random.npy", unit_rows(rng.standard_normal((K, d))))
np.save(f"{out}/H_random.npy", unit_rows(rng.standard_normal((K * n, d))))
# Simplex ETF: centred standard basis vectors of R^K, embedded in the first K coordinates.
M = np.eye(K) - 1.0 / K
W = np.zeros((K, d)); W[:, :K] = unit_rows(M)
np.save(f"{out}/W_etf.npy", W)
noise = rng.standard_normal((K * n, d))
np.save(f"{out}/H_near.npy", unit_rows(W[y] + 1e-3 * noise))
np.save(f"{out}/H_near2.npy", unit_rows(W[y] + 1e-2 * noise))
PY

run() {  # run NAME ARGS... : one timed spectrum call, one JSON line appended to $tmp/rows.jsonl
    local name="$1"; shift
    if [[ -n "${RUNS:-}" && " $RUNS " != *" $name "* ]]; then return; fi
    echo "bench-cifar: $name" >&2
    local status=0
    ( cd "$tmp" && /usr/bin/time -v timeout "$LIMIT" "$BIN" spectrum --labels y.npy --tau 2 --memory-budget "$BUDGET" --seed "${SEED:-0}" --json "$@" \
        > "$name.json" 2> "$name.err" ) || status=$?
    if [[ $status -ne 0 && $status -ne 124 ]]; then echo "bench-cifar: $name failed:" >&2; tail -5 "$tmp/$name.err" >&2; exit 1; fi
    python3 - "$tmp/$name.json" "$tmp/$name.err" "$name" "$BUDGET" "--seed ${SEED:-0} $*" "$LIMIT" >> "$tmp/rows.jsonl" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
report = json.loads(text) if text.strip() else {"stoppedAtTimeLimit": float(sys.argv[6])}
# Keep the record lean: the density's grids and per-probe nodes stay out (rerun with --out for them).
report = {k: v for k, v in report.items() if not (isinstance(v, list) and len(v) > 20)}
if isinstance(report.get("model"), dict) and "labels" in report["model"]:
    report["model"]["labels"] = f"{len(report['model']['labels'])} labels, 500 per class (y.npy)"
err = open(sys.argv[2]).read()
def field(pattern):
    m = re.search(pattern, err)
    return m.group(1) if m else None
wall = field(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)")
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss_kib = int(field(r"Maximum resident set size \(kbytes\): (\d+)"))
print(json.dumps({"name": sys.argv[3], "arguments": sys.argv[5], "memoryBudgetGiB": float(sys.argv[4]),
                  "seconds": seconds, "peakResidentGiB": rss_kib / 2**20, "report": report}))
PY
}

run lanczos-random --classifiers W_random.npy --features H_random.npy --method lanczos
run lanczos-near-1e-3 --classifiers W_etf.npy --features H_near.npy --method lanczos
run lanczos-near-1e-2 --classifiers W_etf.npy --features H_near2.npy --method lanczos
# The same point with double-precision products: the baseline of the single-precision default
# (these points are proven not critical, so `auto` runs the products in single precision).
run lanczos-near-1e-2-double --classifiers W_etf.npy --features H_near2.npy --method lanczos --product-precision double
# The previous stopping rule at the same point (λ_min converged to residual δ/10 even where the
# point is not critical), in the same run, stopped at STRICT_LIMIT seconds (default 300).
LIMIT="${STRICT_LIMIT:-300}" run lanczos-near-1e-2-strict --classifiers W_etf.npy --features H_near2.npy --method lanczos --lambda-min-bracket 0
run density-random --classifiers W_random.npy --features H_random.npy --method density --probes 4 --steps 40

python3 - "$tmp/rows.jsonl" > "$tmp/cifar.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("# CIFAR-100-sized points (`./scripts/bench-cifar.sh`)\n")
print("K = 100, n = 500 per class (N = 50 000), d = 512, τ = 2: tangent dimension m = 2.56·10⁷. "
      "One run each, release build, 2 cores. Inputs generated by the script from seed 0.\n")
print("| run | seconds | peak memory (GiB) | budget (GiB) | Hessian-vector products | result | arguments |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    rep = r["report"]
    if "stoppedAtTimeLimit" in rep:
        result = f"stopped at the time limit ({rep['stoppedAtTimeLimit']:.0f} s) without an answer"
    elif "classification" in rep:
        notes = "; ".join(n for n in rep.get("notes", []) if "residual" in n or "certified" in n or "inertia" in n or "probability" in n)
        cert = {True: "yes", False: "no (a count found eigenvalues below it)", None: "not checked (no exact count fits)"}[rep.get("lambdaMinCertified")]
        result = (f"products in {rep.get('productPrecision') or 'double'}, "
                  f"λ_min = {rep['lambdaMin']:.6g}, λ_max = {rep['lambdaMax']:.6g}, class {rep['classification']}, "
                  f"λ_min certified: {cert}, ‖grad‖ = {rep.get('riemannianGradientNorm', float('nan')):.2e}. {notes}")
    else:
        result = (f"Ritz nodes [{rep['lowestNode']:.4g}, {rep['highestNode']:.4g}], trace ≈ {rep['traceEstimate']:.6g} ± "
                  f"{rep['traceStandardError']:.2g}, negative eigenvalues ≈ {rep['negativeCount']:.4g} "
                  f"in [{rep['negativeCountLower']:.4g}, {rep['negativeCountUpper']:.4g}]")
    print(f"| {r['name']} | {r['seconds']:.0f} | {r['peakResidentGiB']:.2f} | {r['memoryBudgetGiB']:g} | "
          f"{rep.get('hessianVectorProducts', '')} | {result} | `{r['arguments']}` |")
byname = {r["name"]: r for r in rows}
single, double = byname.get("lanczos-near-1e-2"), byname.get("lanczos-near-1e-2-double")
if single and double and "lambdaMin" in single["report"] and "lambdaMin" in double["report"]:
    s, d = single["report"], double["report"]
    print(f"\nSingle against double products at the 1e-2 point, same run: {double['seconds'] / single['seconds']:.2f}× faster "
          f"({single['seconds']:.0f} s against {double['seconds']:.0f} s; {s['hessianVectorProducts']} against {d['hessianVectorProducts']} products); "
          f"λ_min {s['lambdaMin']:.6g} against {d['lambdaMin']:.6g} (single-precision estimate {s.get('singlePrecisionErrorEstimate') or float('nan'):.1e}).")
print("\nBaseline: the previous version (ARPACK for λ_min and λ_max) at a random point of this size on the same "
      "machine took 858 s, 489 Hessian-vector products, 9.4 GB peak (not re-run here; see README.md).")
PY
name=cifar; [[ -n "${RUNS:-}" ]] && name=cifar-partial
mv "$tmp/rows.jsonl" "$OUT/$name.jsonl"
mv "$tmp/cifar.md" "$OUT/$name.md"
cat "$OUT/$name.md"
