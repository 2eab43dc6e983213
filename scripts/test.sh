#!/usr/bin/env bash
# Installs missing system packages and runs the test suite: `swift test` (debug build), then the
# Python package's pytest suite against the freshly built binary. The last line is the combined
# "N passed, N failed" of both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The Python tests need numpy and pytest; Debian's packages are installed when either is missing.
if ! python3 -c "import numpy, pytest" >/dev/null 2>&1; then
    NCL_PACKAGES=(python3 python3-numpy python3-pytest)
    ncl_install_packages
fi
swift build --build-tests
# Run the tests on the OpenBLAS kernel nclandscape itself would choose on this CPU (the variable
# is read when OpenBLAS loads, so it has to be set before the test process starts).
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
    core="$(.build/debug/nclandscape blas-info --recommended-coretype || true)"
    if [[ -n "$core" ]]; then export OPENBLAS_CORETYPE="$core"; echo "test.sh: OPENBLAS_CORETYPE=$core" >&2; fi
fi
log="$(mktemp)"; pylog="$(mktemp)"
trap 'rm -f "$log" "$pylog"' EXIT
set +e
# XCTest only (there are no Swift Testing tests; its empty "0 tests" summary would be the last line).
swift test --disable-swift-testing "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
NCLANDSCAPE_BIN="$PWD/.build/debug/nclandscape" PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}" \
    python3 -m pytest -q -p no:cacheprovider python/tests 2>&1 | tee "$pylog"
pystatus=${PIPESTATUS[0]}
set -e
# XCTest's final summary: "Executed N tests, with F failures".
summary="$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1 || true)"
passed=0; failed=0
if [[ -n "$summary" ]]; then
    total="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<< "$summary")"
    xfailed="$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<< "$summary")"
    passed=$((total - xfailed)); failed=$xfailed
elif [[ $status -ne 0 ]]; then
    failed=$((failed + 1))       # the Swift build or run failed before any summary
fi
# pytest's last line: "7 passed in 2.3s", "1 failed, 6 passed in …", "2 errors in …".
pyline="$(tail -1 "$pylog")"
for kind in passed failed error errors; do
    n="$(grep -oE "[0-9]+ $kind\b" <<< "$pyline" | grep -oE "^[0-9]+" || true)"
    if [[ -n "$n" ]]; then
        if [[ $kind == passed ]]; then passed=$((passed + n)); else failed=$((failed + n)); fi
    fi
done
if [[ $pystatus -ne 0 && ! "$pyline" =~ (failed|error) ]]; then failed=$((failed + 1)); fi
echo "$passed passed, $failed failed"
if [[ $status -ne 0 ]]; then exit "$status"; fi
exit "$pystatus"
