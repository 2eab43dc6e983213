#!/usr/bin/env bash
# Structured-method benchmarks, release build, one run:
#   reduced vs dense at K=10, d=11, n=30 (m = 3100): same spectrum, speed-up;
#   reduced at K=10, d=16, n=1e4 (N = 1e5): complete spectrum and class;
#   structured inertia at K=10, d=16, n=1000 (m ≈ 1.5e5): exact index;
#   one Hessian-vector product at K=100, d=128, n=100 against one WᵀH gemm (same run);
#   Lanczos at K=100, d=128, n=100 (m ≈ 1.3e6): λ_min and class at a random point and at a
#   non-collapsed strict saddle, with the number of Hessian-vector products;
#   the same saddle perturbed (tangent noise 1e-3) and re-polished by Newton–MINRES, then Lanczos.
# Not in the default list (≈ 22 minutes): inertia-kronecker, structured counts at K=100, d=128,
#   n=100 by the Kronecker assembly (random point, re-polished saddle; the paired saddle through the
#   whole Lanczos analysis with the counts paid for) with their
#   rounding estimates, and Kronecker vs per-sample assembly at n=2 in the same run; the committed
#   run is ./scripts/bench-scale.sh inertia-kronecker results/scale/inertia
# Also not in the default: operator-cifar, one Hessian-vector product at K=100, d=512, n=500 against
#   one WᵀH gemm of the same run.
# Usage: ./scripts/bench-scale.sh [parts] [outdir]
#   parts: comma list of reduced-vs-dense,reduced-large,inertia,inertia-kronecker,operator,operator-cifar,lanczos,polish
#   (default: all but inertia-kronecker and operator-cifar)
#   outdir: where bench-scale.jsonl and bench-scale.md go (default results/scale)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product nclandscape >&2
parts="${1:-reduced-vs-dense,reduced-large,inertia,operator,lanczos,polish}"
out="${2:-results/scale}"
mkdir -p "$out"
tmp="$(mktemp -d "$out/.tmp.XXXXXX")"; trap 'rm -rf "$tmp"' EXIT
.build/release/nclandscape bench --suite scale --parts "$parts" --json > "$tmp/bench.jsonl"
python3 - "$tmp/bench.jsonl" "$parts" > "$tmp/bench.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def f(v, fmt):
    return "" if v is None else format(v, fmt)
print("# Structured-method benchmarks (`./scripts/bench-scale.sh`)\n")
print(f"One run, release build, parts: `{sys.argv[2]}`. BLAS: {rows[0]['blas'] if rows else '?'}.\n")
print("| benchmark | K | d | n | m | seconds | baseline | baseline seconds | baseline / this | max \\|Δλ\\| | λ_min | index | class | Hessian-vector products |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['name']} | {r['K']} | {r['d']} | {r['n']} | {r['m']} | {r['seconds']:.3f} | {r.get('baseline') or ''} | "
          f"{f(r.get('baselineSeconds'), '.3f')} | {f(r.get('speedup'), '.3g')} | {f(r.get('maxEigenvalueDifference'), '.1e')} | "
          f"{f(r.get('lambdaMin'), '.10g')} | {f(r.get('index'), 'd')} | {r['classification']} | {f(r.get('hessianVectorProducts'), 'd')} |")
PY
mv "$tmp/bench.jsonl" "$out/bench-scale.jsonl"
mv "$tmp/bench.md" "$out/bench-scale.md"
cat "$out/bench-scale.md"
