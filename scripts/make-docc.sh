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

# The getting-started article's Swift blocks (all but the Package.swift excerpt), compiled as one
# program against the release build of the library and run, so the article cannot drift from
# the API: a compile error here means the article needs updating.
swift build -c release --product nclandscape >&2
snippets=.build/docs/getting-started
mkdir -p "$snippets"
rm -f "$snippets/getting-started"
python3 - Sources/NCLandscape/NCLandscape.docc/GettingStarted.md "$snippets/main.swift" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = [b for b in re.findall(r"```swift\n(.*?)```", text, re.S) if "dependencies:" not in b]
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(blocks))
PY
swiftc -O -I .build/release/Modules -I Sources/CLinearAlgebra "$snippets/main.swift" \
    .build/release/NCLandscape.build/*.o -o "$snippets/getting-started" 2>&1 | grep -v 'warning:' >&2 || true
if [[ ! -x "$snippets/getting-started" ]]; then
    echo "make-docc: the getting-started article's code does not compile against the library" >&2
    exit 1
fi
echo "make-docc: getting-started article compiled; its output (first lines):" >&2
"$snippets/getting-started" > "$snippets/output.txt"
head -8 "$snippets/output.txt" >&2
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
