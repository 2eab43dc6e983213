#!/usr/bin/env bash
# Installs missing system packages and runs the test suite (debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
# Run the tests on the OpenBLAS kernel nclandscape itself would choose on this CPU (the variable
# is read when OpenBLAS loads, so it has to be set before the test process starts).
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
    core="$(.build/debug/nclandscape blas-info --recommended-coretype || true)"
    if [[ -n "$core" ]]; then export OPENBLAS_CORETYPE="$core"; echo "test.sh: OPENBLAS_CORETYPE=$core" >&2; fi
fi
# XCTest only (there are no Swift Testing tests; its empty "0 tests" summary would be the last line).
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
swift test --disable-swift-testing "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# A plain closing line: "N passed, N failed" from XCTest's final summary.
summary="$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1 || true)"
if [[ -n "$summary" ]]; then
    total="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<< "$summary")"
    failed="$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<< "$summary")"
    echo "$((total - failed)) passed, $failed failed"
fi
exit "$status"
