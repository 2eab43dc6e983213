#!/usr/bin/env bash
# Runs ./scripts/test.sh under every BLAS setting the suite must pass in: one and two OpenBLAS
# threads, and the Haswell, SkylakeX and Sandybridge kernels (OPENBLAS_CORETYPE, read when
# OpenBLAS loads). Prints one closing line per setting and a summary; exits non-zero when any
# setting fails. About 1.5 minutes per setting on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
settings=("OPENBLAS_NUM_THREADS=1" "OPENBLAS_NUM_THREADS=2" "OPENBLAS_CORETYPE=Haswell" "OPENBLAS_CORETYPE=SkylakeX" "OPENBLAS_CORETYPE=Sandybridge")
failed=0
for s in "${settings[@]}"; do
    log="$(mktemp)"
    env "$s" ./scripts/test.sh > "$log" 2>&1
    status=$?
    line="$(tail -1 "$log")"
    printf '%-32s %s (exit %d)\n' "$s" "$line" "$status"
    if [[ $status -ne 0 ]]; then failed=$((failed + 1)); grep -E "error:|crashed" "$log" | head -5; fi
    rm -f "$log"
done
echo "$(( ${#settings[@]} - failed )) of ${#settings[@]} BLAS settings passed"
exit $(( failed > 0 ))
