#!/usr/bin/env bash
# Search throughput against a peer in one run: seconds per descent start of nclandscape
# (`sweep --start-mix descent`, one configuration, one BLAS thread: trust-region descent, Newton
# polish, deduplication, and the classification and certificate of every distinct point) and of
# pymanopt's TrustRegions (autograd backend, descent only, no classification), on the same
# problems. Prints both and their ratio; needs `pip install pymanopt autograd` (installed here
# when missing).
#   ./scripts/bench-search.sh               # K=6,d=7,n=3,τ=2 and K=10,d=11,n=5,τ=2; STARTS=200
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bin="$(ncl_release_binary)"
python3 -c "import pymanopt, autograd" 2>/dev/null || python3 -m pip install -q pymanopt autograd
starts="${STARTS:-200}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
printf '%-22s %14s %14s %8s\n' "problem" "nclandscape" "pymanopt" "ratio"
for cfg in "6 7 3 2" "10 11 5 2"; do
  read -r K d n tau <<< "$cfg"
  t0=$(date +%s.%N)
  "$bin" sweep --K "$K" --d "$d" --n "$n" --tau "$tau" --starts "$starts" --start-mix descent --jobs 1 --out "$tmp/s-$K.jsonl" > /dev/null
  t1=$(date +%s.%N)
  ours=$(python3 -c "print(($t1 - $t0) / $starts)")
  peer=$(python3 scripts/bench_pymanopt.py "$K" "$d" "$n" "$tau" "$(( starts < 50 ? starts : 50 ))" | tail -1)
  printf '%-22s %11.2f ms %11.2f ms %7.1fx\n' "K=$K d=$d n=$n τ=$tau" "$(python3 -c "print($ours*1e3)")" "$(python3 -c "print($peer*1e3)")" \
      "$(python3 -c "print($peer/$ours)")"
done
