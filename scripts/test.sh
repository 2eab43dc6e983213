#!/usr/bin/env bash
# Installs missing system packages and runs the test suite: `swift test` (debug build), then the
# Python package's pytest suite against the freshly built binary, then two documentation checks
# and the layer check. The last line is the combined "N passed, N failed", counted test by test; a
# crashed XCTest runner is said so on the line before and counted as at least one failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The Python tests need numpy, pytest and jsonschema (the output schemas in docs/schemas/);
# Debian's packages are installed when one is missing.
if ! python3 -c "import numpy, pytest, jsonschema" >/dev/null 2>&1; then
    NCL_PACKAGES=(python3 python3-numpy python3-pytest python3-jsonschema)
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
# Three quick checks (about a second), each counted like a test: docs/cli.md must be what the
# commands' --help prints now (regenerate with scripts/make-cli-docs.sh), every relative link and
# anchor in the Markdown must resolve, and no file of the library may name anything declared in
# a layer above its own (docs/architecture.md says why this is a check, not one target per layer).
docpassed=0; docfailed=0
if scripts/make-cli-docs.sh --check .build/debug/nclandscape; then docpassed=$((docpassed + 1)); else docfailed=$((docfailed + 1)); fi
if python3 scripts/check-docs.py; then docpassed=$((docpassed + 1)); else docfailed=$((docfailed + 1)); fi
if python3 scripts/check-layers.py; then docpassed=$((docpassed + 1)); else docfailed=$((docfailed + 1)); fi
set -e
# Count the whole XCTest run from its per-test lines, not from an "Executed N tests" line: the
# last of those belongs to whichever suite finished last, which after a crash is an earlier class.
#   Test Case 'Suite.testX' started at …   /   … passed (0.1 seconds)   /   … failed (…)   /   … skipped (…)
passed=0; failed=0
count() { { grep -oE "Test Case '[^']+' $1" "$log" || true; } | wc -l | tr -d ' '; }
xstarted="$(count started)"; xpassed="$(count 'passed \(')"; xfailed="$(count 'failed \(')"; xskipped="$(count 'skipped \(')"
passed=$xpassed; failed=$xfailed
# The runner finished only if the top-level suite ("All tests", or "Selected tests" with a
# filter) printed its closing line.
finished=0
if grep -qE "Test Suite '(All tests|Selected tests)' (passed|failed) at" "$log"; then finished=1; fi
unfinished=$((xstarted - xpassed - xfailed - xskipped))
# SwiftPM's own line when the test process dies: "error: Process '…xctest …' exited with unexpected signal code 4".
signal="$(grep -oiE "exited with (unexpected )?signal code [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+$" || true)"
if [[ -z "$signal" && $status -gt 128 ]]; then signal=$((status - 128)); fi
if [[ $xstarted -gt 0 && ( $finished -eq 0 || $unfinished -gt 0 || -n "$signal" ) ]]; then
    # The runner died (a trap, a force-unwrap, a signal): the test it was running failed, and the
    # ones after it never ran, so the counts are only those that finished before the crash.
    last="$(grep -oE "Test Case '[^']+' started" "$log" | tail -1 | sed -E "s/Test Case '([^']+)' started/\1/")"
    crashed=$(( unfinished > 0 ? unfinished : 1 ))
    failed=$((failed + crashed))
    echo "test.sh: the XCTest runner crashed${signal:+ (signal $signal)} during $last; tests after it did not run (counted: $xpassed passed, $xfailed failed before the crash, $crashed crashed)"
elif [[ $status -ne 0 && $failed -eq 0 ]]; then
    failed=1                     # the Swift build or run failed without any failed test to show for it
    echo "test.sh: swift test exited with status $status before or without reporting a failed test"
fi
if [[ $xskipped -gt 0 ]]; then echo "test.sh: $xskipped XCTest test(s) skipped (not counted as passed)"; fi
# pytest's last line: "7 passed in 2.3s", "1 failed, 6 passed in …", "2 errors in …".
pyline="$(tail -1 "$pylog")"
for kind in passed failed error errors; do
    n="$(grep -oE "[0-9]+ $kind\b" <<< "$pyline" | grep -oE "^[0-9]+" || true)"
    if [[ -n "$n" ]]; then
        if [[ $kind == passed ]]; then passed=$((passed + n)); else failed=$((failed + n)); fi
    fi
done
if [[ $pystatus -ne 0 && ! "$pyline" =~ (failed|error) ]]; then failed=$((failed + 1)); fi
passed=$((passed + docpassed)); failed=$((failed + docfailed))
# Last line, alone (CI reads it): "N passed, N failed". "0 failed" only when every XCTest test
# that started finished and passed, the runner closed its top-level suite, and pytest passed.
echo "$passed passed, $failed failed"
if [[ $status -ne 0 ]]; then exit "$status"; fi
if [[ $pystatus -ne 0 ]]; then exit "$pystatus"; fi
exit $(( docfailed > 0 ? 1 : 0 ))
