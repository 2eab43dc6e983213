#!/usr/bin/env bash
# Regenerates the arbitrary-precision fixtures the Swift tests compare against
# (Tests/NCLandscapeTests/Fixtures/reference/*.json): points built by nclandscape at large and
# tiny temperatures, each analyzed by mp_reference.py with 100 digits. About five minutes.
#   pip install -r scripts/reference/requirements.txt && scripts/reference/make_fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product nclandscape >&2
B=.build/release/nclandscape
out=Tests/NCLandscapeTests/Fixtures/reference
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
rm -f "$out"/*.json

# Pick one point out of a verify run's critical_points.json: by origin, or the first
# non-isolated global minimizer ("nonisolated").
pick() {  # file selector output
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
pts = json.load(open(sys.argv[1]))
sel = sys.argv[2]
for p in pts:
    if (sel == "nonisolated" and p.get("nonIsolated")) or sel in p.get("origins", {}) or p["origin"] == sel:
        keys = ["K", "d", "tau", "labelSmoothing", "labels", "classifiers", "features"]
        out = {k: p[k] for k in keys}
        if p.get("loss_kind") is not None:
            out["loss"] = p["loss_kind"]
        json.dump(out, open(sys.argv[3], "w"))
        sys.exit(0)
sys.exit(f"no point matching {sel} in {sys.argv[1]}")
PY
}

reference() {  # point name
    python3 scripts/reference/mp_reference.py "$1" --digits 100 --out "$out/$2.json"
    echo "fixture $2" >&2
}

for tau in 16 32 64 100; do
    for kind in etf anti total; do
        $B point $kind --K 4 --d 5 --n 3 --tau $tau -o "$work/p.json"
        reference "$work/p.json" "K4-d5-n3-tau$tau-$kind"
    done
    $B verify --K 4 --d 5 --n 3 --tau $tau --starts 0 --jobs 1 --out "$work/v$tau" >/dev/null
    pick "$work/v$tau/critical_points.json" "groups:2+1+1" "$work/p.json"
    reference "$work/p.json" "K4-d5-n3-tau$tau-groups2+1+1"
    $B verify --K 4 --d 5 --n 3 --tau $tau --label-smoothing 0.1 --starts 2 --jobs 1 --out "$work/s$tau" >/dev/null
    pick "$work/s$tau/critical_points.json" nonisolated "$work/p.json"
    reference "$work/p.json" "K4-d5-n3-tau$tau-eps0.1-continuum"
    $B point etf --K 4 --d 5 --n 3 --tau $tau --label-smoothing 0.1 -o "$work/p.json"
    reference "$work/p.json" "K4-d5-n3-tau$tau-eps0.1-etf"
    for kind in etf anti; do
        $B point $kind --K 6 --d 7 --n 2 --tau $tau -o "$work/p.json"
        reference "$work/p.json" "K6-d7-n2-tau$tau-$kind"
    done
done
for tau in 1e-6 0.01; do
    $B point etf --K 4 --d 5 --n 3 --tau $tau -o "$work/p.json"
    reference "$work/p.json" "K4-d5-n3-tau$tau-etf"
    $B point etf --K 6 --d 7 --n 2 --tau $tau -o "$work/p.json"
    reference "$work/p.json" "K6-d7-n2-tau$tau-etf"
done
for kind in anti total; do
    $B point $kind --K 4 --d 5 --n 3 --tau 1e-6 -o "$work/p.json"
    reference "$work/p.json" "K4-d5-n3-tau1e-6-$kind"
done
# Other losses: focal (γ = 2 and the γ < 1 branch) and CosFace with label smoothing, at a
# moderate and a saturated temperature.
for tau in 2 64; do
    for kind in etf anti; do
        $B point $kind --K 4 --d 5 --n 3 --tau $tau --loss focal --gamma 2 -o "$work/p.json"
        reference "$work/p.json" "K4-d5-n3-tau$tau-focal2-$kind"
        $B point $kind --K 4 --d 5 --n 3 --tau $tau --loss focal --gamma 0.5 -o "$work/p.json"
        reference "$work/p.json" "K4-d5-n3-tau$tau-focal0.5-$kind"
        $B point $kind --K 4 --d 5 --n 3 --tau $tau --loss cosface --margin 0.35 --label-smoothing 0.1 -o "$work/p.json"
        reference "$work/p.json" "K4-d5-n3-tau$tau-cosface0.35-eps0.1-$kind"
    done
    $B point etf --K 4 --d 5 --n 3 --tau $tau --loss cosface --margin 0.35 -o "$work/p.json"
    reference "$work/p.json" "K4-d5-n3-tau$tau-cosface0.35-etf"
done
ls "$out" | wc -l >&2
