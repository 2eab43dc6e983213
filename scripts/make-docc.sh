#!/usr/bin/env bash
# Builds the DocC documentation of the NCLandscape library (catalogue:
# Sources/NCLandscape/NCLandscape.docc) with the toolchain's own `docc`, so Package.swift needs
# no documentation-only dependency and the build stays offline: symbol graphs come from
# `swift package dump-symbol-graph` (a debug build), then `docc convert` renders the catalogue.
#
#   scripts/make-docc.sh [OUT]   default OUT: .build/docs/NCLandscape.doccarchive, laid out for
#                                static hosting (serve OUT and open /documentation/nclandscape/)
#
# Prints docc's warnings (unresolved ``Symbol`` links in the catalogue or in /// comments) and
# their count; with DOCC_STRICT=1 any warning fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if ! command -v docc >/dev/null 2>&1; then
    echo "make-docc: no docc in this toolchain ($(command -v swift)); install a Swift toolchain that ships it" >&2
    exit 1
fi
out="${1:-.build/docs/NCLandscape.doccarchive}"
swift package dump-symbol-graph --minimum-access-level public >&2
graph="$(find .build -name 'NCLandscape.symbols.json' -path '*symbolgraph*' -newer Package.swift | head -1)"
if [[ -z "$graph" ]]; then echo "make-docc: no symbol graph of NCLandscape was written" >&2; exit 1; fi
graphs=.build/docs/symbolgraphs
rm -rf "$graphs" "$out"
mkdir -p "$graphs"
# The library's own graph and its extension graphs (NCLandscape@Swift.symbols.json, …) only.
cp "$(dirname "$graph")"/NCLandscape.symbols.json "$graphs"/
cp "$(dirname "$graph")"/NCLandscape@*.symbols.json "$graphs"/ 2>/dev/null || true
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
strict=()
if [[ "${DOCC_STRICT:-0}" == 1 ]]; then strict=(--warnings-as-errors); fi
docc convert Sources/NCLandscape/NCLandscape.docc \
    --additional-symbol-graph-dir "$graphs" \
    --fallback-display-name NCLandscape --fallback-bundle-identifier org.nclandscape.NCLandscape \
    --transform-for-static-hosting --output-path "$out" "${strict[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "make-docc: $(grep -c 'warning:' "$log" || true) warnings; archive: $out" >&2
exit "$status"
