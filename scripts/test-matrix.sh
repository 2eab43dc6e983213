#!/usr/bin/env bash
# Runs ./scripts/test.sh under every BLAS setting the suite must pass in: one and two OpenBLAS
# threads, and the Haswell, SkylakeX and Sandybridge kernels (OPENBLAS_CORETYPE, read when
# OpenBLAS loads). Prints one closing line per setting and a summary; exits non-zero when any
# setting fails; a kernel this CPU cannot execute is skipped and named. About 3 minutes per
# setting on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
settings=("OPENBLAS_NUM_THREADS=1" "OPENBLAS_NUM_THREADS=2" "OPENBLAS_CORETYPE=Haswell" "OPENBLAS_CORETYPE=SkylakeX" "OPENBLAS_CORETYPE=Sandybridge")
# A kernel the CPU cannot execute (SkylakeX needs AVX-512) cannot be tested on this machine:
# such a setting is skipped with the missing extensions named, and not counted as passed.
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
needs() { case "$1" in OPENBLAS_CORETYPE=SkylakeX) echo "avx512f avx512bw avx512vl avx512dq avx512cd";;
    OPENBLAS_CORETYPE=Haswell) echo "avx2 fma";; OPENBLAS_CORETYPE=Sandybridge) echo "avx";; esac; }
failed=0; skipped=0
for s in "${settings[@]}"; do
    missing=""
    for f in $(needs "$s"); do [[ "$flags" == *" $f "* ]] || missing+=" $f"; done
    if [[ -n "$missing" && "$flags" != "  " ]]; then
        printf '%-32s skipped: this CPU lacks%s\n' "$s" "$missing"; skipped=$((skipped + 1)); continue
    fi
    log="$(mktemp)"
    env "$s" ./scripts/test.sh > "$log" 2>&1
    status=$?
    line="$(tail -1 "$log")"
    printf '%-32s %s (exit %d)\n' "$s" "$line" "$status"
    if [[ $status -ne 0 ]]; then failed=$((failed + 1)); grep -E "error:|crashed" "$log" | head -5; fi
    rm -f "$log"
done
note=""; [[ $skipped -gt 0 ]] && note=", $skipped skipped (kernel not executable on this CPU)"
echo "$(( ${#settings[@]} - failed - skipped )) of ${#settings[@]} BLAS settings passed$note"
exit $(( failed > 0 ))
