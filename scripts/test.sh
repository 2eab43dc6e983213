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
swift test "$@"
