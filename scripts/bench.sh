#!/usr/bin/env bash
# Dense-spectrum benchmark, release build, ratios measured in one run:
#   1. toolkit (assembly + dsyevr all eigenvalues) / LAPACK dsyevr alone on a same-size matrix;
#   2. NumPy reference (scripts/bench_reference.py: dense Hessian + numpy.linalg.eigvalsh) / toolkit;
#   3. agreement of the two implementations' eigenvalues on random points.
# Usage: ./scripts/bench.sh ["K,d,n;K,d,n"] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
SIZES="${1:-10,11,10;10,11,30}"
REPEATS="${2:-3}"
swift build -c release --product nclandscape >&2
BIN=.build/release/nclandscape
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
$BIN bench --sizes "$SIZES" --repeats "$REPEATS" --json > "$TMP/swift.jsonl"
python3 scripts/bench_reference.py --sizes "$SIZES" --repeats "$REPEATS" > "$TMP/numpy.jsonl"
for spec in "--K 4 --d 5 --n 3" "--counts 4,1,2 --d 3 --tau 5" "--K 5 --d 4 --n 2 --label-smoothing 0.1"; do
    # shellcheck disable=SC2086
    $BIN point random $spec --seed 3 -o "$TMP/p.json"
    $BIN spectrum "$TMP/p.json" --json > "$TMP/sw.json"
    python3 scripts/bench_reference.py --point "$TMP/p.json" > "$TMP/np.json"
    python3 - "$TMP/sw.json" "$TMP/np.json" "$spec" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["eigenvalues"]; b = json.load(open(sys.argv[2]))["eigenvalues"]
print(f"check {sys.argv[3]}: max |λ_swift − λ_numpy| = {max(abs(x - y) for x, y in zip(a, b)):.2e} over {len(a)} eigenvalues")
PY
done
python3 - "$TMP/swift.jsonl" "$TMP/numpy.jsonl" <<'PY'
import json, sys
sw = [json.loads(l) for l in open(sys.argv[1])]; npy = [json.loads(l) for l in open(sys.argv[2])]
print(f"{'K':>3} {'d':>3} {'n':>4} {'m':>6} {'assembly s':>11} {'toolkit s':>10} {'dsyevr s':>9} {'toolkit/dsyevr':>15} {'numpy s':>8} {'numpy/toolkit':>14}")
for s, p in zip(sw, npy):
    print(f"{s['K']:>3} {s['d']:>3} {s['n']:>4} {s['m']:>6} {s['assemblySeconds']:>11.4f} {s['assemblyPlusEigenvaluesSeconds']:>10.3f} "
          f"{s['lapackAloneSeconds']:>9.3f} {s['ratio']:>15.3f} {p['numpySeconds']:>8.3f} {p['numpySeconds'] / s['assemblyPlusEigenvaluesSeconds']:>14.2f}")
print(sw[0]["blas"])
PY
