#!/usr/bin/env bash
# Search throughput against a peer in one run: seconds per descent start of nclandscape
# (`sweep --start-mix descent`, one configuration, one BLAS thread: trust-region descent, Newton
# polish, deduplication, and the classification — and, unless --no-certify, the certificate — of
# every distinct point) and of pymanopt's TrustRegions (autograd backend, descent only, no
# classification), on the same problems, and the marginal cost of one more start (2×STARTS minus
# STARTS: fixed per-configuration costs cancel). Prints them and the ratios; needs
# `pip install pymanopt autograd` (installed here when missing).
#   ./scripts/bench-search.sh               # K=6,d=7,n=3,τ=2 and K=10,d=11,n=5,τ=2; STARTS=200
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bin="$(ncl_release_binary)"
python3 -c "import pymanopt, autograd" 2>/dev/null || python3 -m pip install -q pymanopt autograd
starts="${STARTS:-200}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
ms() { python3 -c "print(f'{$1 * 1e3:.2f} ms')"; }
printf '%-22s %12s %12s %12s %12s %8s %8s %8s\n' "problem" "per start" "--no-certify" "marginal" "pymanopt" "ratio" "ratio" "ratio"
for cfg in "6 7 3 2" "10 11 5 2"; do
  read -r K d n tau <<< "$cfg"
  t0=$(date +%s.%N)
  "$bin" sweep --K "$K" --d "$d" --n "$n" --tau "$tau" --starts "$starts" --start-mix descent --jobs 1 --out "$tmp/s-$K.jsonl" > /dev/null
  t1=$(date +%s.%N)
  "$bin" sweep --K "$K" --d "$d" --n "$n" --tau "$tau" --starts "$starts" --start-mix descent --jobs 1 --no-certify --out "$tmp/u-$K.jsonl" > /dev/null
  t2=$(date +%s.%N)
  "$bin" sweep --K "$K" --d "$d" --n "$n" --tau "$tau" --starts "$(( 2 * starts ))" --start-mix descent --jobs 1 --out "$tmp/d-$K.jsonl" > /dev/null
  t3=$(date +%s.%N)
  ours=$(python3 -c "print(($t1 - $t0) / $starts)")
  bare=$(python3 -c "print(($t2 - $t1) / $starts)")
  # The cost one more start adds: the run with twice the starts minus the first run, per start.
  # Fixed costs (the ansatz families; the spectrum and certificate of each distinct point, most
  # of which the families find) are paid once per configuration and cancel.
  marginal=$(python3 -c "print(max(($t3 - $t2) - ($t1 - $t0), 1e-9) / $starts)")
  peer=$(python3 scripts/bench_pymanopt.py "$K" "$d" "$n" "$tau" "$(( starts < 50 ? starts : 50 ))" | tail -1)
  printf '%-22s %12s %12s %12s %12s %7.1fx %7.1fx %7.1fx\n' "K=$K d=$d n=$n τ=$tau" "$(ms "$ours")" "$(ms "$bare")" "$(ms "$marginal")" "$(ms "$peer")" \
      "$(python3 -c "print($peer / $ours)")" "$(python3 -c "print($peer / $bare)")" "$(python3 -c "print($peer / $marginal)")"
done
echo "ratio: pymanopt's time per start (descent only) over nclandscape's: per start with certificates, without, and the marginal cost of one more start (certified)"
