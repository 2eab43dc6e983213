#!/usr/bin/env bash
# Mutation testing, for developers (not part of scripts/test.sh): each mutant below is a small,
# plausible one-line bug; the tests named beside it must fail on it ("killed"). A mutant the
# tests pass on ("survived") is a behaviour nothing checks.
#
#   ./scripts/mutation.sh                 every mutant
#   ./scripts/mutation.sh dedup           only mutants whose id contains "dedup"
#
# The work tree is never edited. Sources, Tests and Package.swift are mirrored (only changed files
# copied, so incremental builds stay incremental) into a scratch tree, by default
# ${TMPDIR:-/tmp}/nclandscape-mutation-$UID (NCL_MUTATION_DIR overrides), whose .build is reused
# across mutants and runs. For each mutant the file is restored from the work tree, the edit is
# applied (it must match exactly once), the tests are rebuilt and the filter run. First the
# unmutated tree must pass every filter (NCL_MUTATION_SKIP_BASELINE=1 skips that check).
# Exit status: 0 only when every mutant was applied, built and killed.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
# shellcheck source=setup.sh
source scripts/setup.sh
set +e
ncl_find_swift

# One mutant per line: id @@ file @@ exact text @@ replacement @@ `swift test --filter` pattern.
# The text is matched literally (no regex) and must occur exactly once in the file. Append lines
# here; blank lines and lines starting with # are ignored.
MUTANTS=$(cat <<'EOF'
# (1) zero threshold δ 10⁴× coarser
zero-threshold-1e4 @@ Sources/NCLandscape/Landscape/Classification.swift @@ zeroRelativeThreshold = 1e-8 @@ zeroRelativeThreshold = 1e-4 @@ WeakSaddleTests/testSaddleWithCurvatureNearOneMillionthIsFound
# (2) Kuczyński–Woźniakowski random-start bound 10× tighter (ε/10)
random-start-bound-tighter @@ Sources/NCLandscape/LinearAlgebra/LanczosTridiagonal.swift @@ return min(1, max(0, root) * max(0, root)) @@ return 0.1 * min(1, max(0, root) * max(0, root)) @@ ScaleTests/testRandomStartBoundHoldsAndIsNotVacuous
# (3) CosFace margin sign flipped in the optimum only (the loss itself keeps it)
cosface-optimum-sign @@ Sources/NCLandscape/Problem/LossBound.swift @@ return top - tau * m @@ return top + tau * m @@ LossTests/testCosFaceOptimum
# (4) focal Hessian-vector product missing its β u uᵀ term
focal-hvp-term @@ Sources/NCLandscape/Problem/Losses/FocalLoss.swift @@ for k in 0 ..< K { out[k] += b * (k == y ? -s : p[k]) } @@ _ = b @@ DerivativeTests
# (5) label-smoothing bound H(t) shifted by 1e-7
smoothing-bound-shift @@ Sources/NCLandscape/Problem/LossBound.swift @@ return -top * log(top) - (k - 1) * off * log(off) @@ return -top * log(top) - (k - 1) * off * log(off) + 1e-7 @@ SaturationTests/testLabelSmoothingBound
# (6) structured-inertia rounding estimate η halved (the 4u factor)
eta-halved @@ Sources/NCLandscape/Landscape/StructuredInertia.swift @@ uncertainty: 4 * Double.ulpOfOne / 2 * @@ uncertainty: 2 * Double.ulpOfOne / 2 * @@ ScaleTests/testRoundingEstimate
# (6b) counts called exact up to η ≤ 1δ instead of 0.1δ
exactness-cut-1delta @@ Sources/NCLandscape/Landscape/StructuredInertia.swift @@ public static let resolvedFraction = 0.1 @@ public static let resolvedFraction = 1.0 @@ ScaleTests/testRoundingEstimate
# (7) deduplication tolerances 1000× looser, one at a time
dedup-spectrum-tolerance @@ Sources/NCLandscape/Search/Deduplication.swift @@ public static let spectrumTolerance = 1e-6 @@ public static let spectrumTolerance = 1e-3 @@ SearchTests/testDeduplication
dedup-loss-tolerance @@ Sources/NCLandscape/Search/Deduplication.swift @@ public static let lossTolerance = 1e-10 @@ public static let lossTolerance = 1e-7 @@ SearchTests/testDeduplication
# (8) per-run predicted escape iteration 10% high
escape-prediction-10pct @@ Sources/NCLandscape/Dynamics/SaddleEscape.swift @@ let predicted = log(config.rho / (r * overlap)) / growth @@ let predicted = 1.1 * log(config.rho / (r * overlap)) / growth @@ DynamicsTests/testEscapeTimeSlopeFromTotalCollapse
# --- coverage estimators and adaptive search ---
# (9) Good–Turing counts doubletons instead of singletons
good-turing-f2 @@ Sources/NCLandscape/Search/SearchCoverage.swift @@ missingMass = converged > 0 ? Double(singletons) / s : nil @@ missingMass = converged > 0 ? Double(doubletons) / s : nil @@ CoverageTests
# (10) rule of three weakened to one over S
rule-of-one @@ Sources/NCLandscape/Search/SearchCoverage.swift @@ ruleOfThree = converged > 0 ? 3 / s : nil @@ ruleOfThree = converged > 0 ? 1 / s : nil @@ CoverageTests
# (11) Chao1 without the factor 2
chao1-factor @@ Sources/NCLandscape/Search/SearchCoverage.swift @@ return f2 > 0 ? a * a / (2 * b) : a * max(a - 1, 0) / 2 @@ return f2 > 0 ? a * a / b : a * max(a - 1, 0) / 2 @@ CoverageTests/testEstimatorsOnAHandWorkedSample
# (12) the adaptive rule watches the saddle-seeking population
controlling-population @@ Sources/NCLandscape/Search/SearchCoverage.swift @@ mix == .newton ? "random-newton" : "random-descent" @@ mix == .newton ? "random-descent" : "random-newton" @@ CoverageTests
# --- certificates ---
# (13) the Lipschitz bound of the pulled-back Hessian halved
lipschitz-halved @@ Sources/NCLandscape/Certification/LabelCertificate.swift @@ lipschitz = c3 + 18 * c2 + 36 * c1 @@ lipschitz = (c3 + 18 * c2 + 36 * c1) / 2 @@ CertificateTests
# (14) Kantorovich's condition loosened from h ≤ 1/2 to h ≤ 1
kantorovich-one @@ Sources/NCLandscape/Certification/LabelCertificate.swift @@ guard h <= 0.5 else { @@ guard h <= 1 else { @@ CertificateTests/testHalvedLipschitzBoundWouldCertifyWhatMustNotBe
# (15) eigenvalue enclosure 10⁴× too wide
enclosure-1e4 @@ Sources/NCLandscape/Certification/LabelCertificate.swift @@ let smallest = lam.map(abs).min() ?? 0 @@ let smallest = (lam.map(abs).min() ?? 0) / 1e4 @@ CertificateTests
# (16) no quad-double escalation
no-quad-double @@ Sources/NCLandscape/Certification/CertifiedDecision.swift @@ if c.status != .certified, model.hessianSize <= Certifier.extendedHessianMaximumSize { @@ if false, c.status != .certified { @@ CertificateTests/testExtendedPrecisionDecidesTheFlatValley
# (17) the double-double gradient drops the label-smoothing target mass
extended-gradient-target @@ Sources/NCLandscape/Certification/ExtendedPrecision.swift @@ g[j * K + k] = k == y ? T(eps - eps / Double(K)) - notTarget : e[k] / sum - off @@ g[j * K + k] = k == y ? T(0) - notTarget : e[k] / sum - off @@ CertificateTests/testExtendedGradientAndHessianMatchDouble
EOF
)

only="${1:-}"
work="${NCL_MUTATION_DIR:-${TMPDIR:-/tmp}/nclandscape-mutation-$(id -u)}"
tree="$work/tree"
mkdir -p "$tree"
log="$work/last.log"

# Mirror the work tree's tracked and untracked (not ignored) files, copying only what differs.
mirror() {
    local f
    (cd "$root" && git ls-files --cached --others --exclude-standard -- Sources Tests Package.swift) | sort > "$work/files.txt"
    while IFS= read -r f; do
        [[ -f "$root/$f" ]] || continue
        if ! cmp -s "$root/$f" "$tree/$f"; then mkdir -p "$(dirname "$tree/$f")"; cp -p "$root/$f" "$tree/$f"; fi
    done < "$work/files.txt"
    # Files gone from the work tree go from the copy too.
    (cd "$tree" && find Sources Tests -type f 2>/dev/null | sort) | comm -13 "$work/files.txt" - | while IFS= read -r f; do rm -f "$tree/$f"; done
    [[ -f "$root/Package.resolved" ]] && cp -p "$root/Package.resolved" "$tree/Package.resolved"
    return 0
}

build() { (cd "$tree" && swift build --build-tests) > "$log" 2>&1; }

# Runs one filter; prints "pass", "fail" or "none" (no test matched the filter).
run_filter() {
    (cd "$tree" && swift test --skip-build --disable-swift-testing --filter "$1") > "$log" 2>&1
    local status=$?
    local passed failed
    passed=$({ grep -oE "Test Case '[^']+' passed \(" "$log" || true; } | wc -l)
    failed=$({ grep -oE "Test Case '[^']+' failed \(" "$log" || true; } | wc -l)
    if [[ $status -eq 0 && $failed -eq 0 && $passed -eq 0 ]]; then echo none
    elif [[ $status -eq 0 && $failed -eq 0 ]]; then echo pass
    else echo fail; fi
}

# Literal, exactly-once replacement; fails (status 1) when the text does not occur exactly once.
apply_mutant() {
    local file="$1" text="$2" replacement="$3" n
    n=$(PAT="$text" perl -0777 -ne '$c = () = /\Q$ENV{PAT}\E/g; print $c' "$tree/$file")
    [[ "$n" == 1 ]] || { echo "matches $n times"; return 1; }
    PAT="$text" REP="$replacement" perl -0777 -pi -e 's/\Q$ENV{PAT}\E/$ENV{REP}/' "$tree/$file"
}

trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; echo "${s%"${s##*[![:space:]]}"}"; }

ids=(); files=(); texts=(); reps=(); filters=()
while IFS= read -r line; do
    [[ -z "${line// /}" || "$line" =~ ^[[:space:]]*# ]] && continue
    rest="$line"; fields=()
    while [[ "$rest" == *" @@ "* ]]; do fields+=("$(trim "${rest%% @@ *}")"); rest="${rest#* @@ }"; done
    fields+=("$(trim "$rest")")
    if [[ ${#fields[@]} -ne 5 ]]; then echo "mutation.sh: malformed mutant line (need 5 fields): $line" >&2; exit 2; fi
    [[ -n "$only" && "${fields[0]}" != *"$only"* ]] && continue
    ids+=("${fields[0]}"); files+=("${fields[1]}"); texts+=("${fields[2]}"); reps+=("${fields[3]}"); filters+=("${fields[4]}")
done <<< "$MUTANTS"
if [[ ${#ids[@]} -eq 0 ]]; then echo "mutation.sh: no mutant matches '$only'" >&2; exit 2; fi

echo "mutation.sh: ${#ids[@]} mutant(s), scratch tree $tree"
mirror
if [[ "${NCL_MUTATION_SKIP_BASELINE:-0}" != 1 ]]; then
    if ! build; then echo "mutation.sh: the unmutated tree does not build (log: $log)"; tail -20 "$log"; exit 2; fi
    for f in $(printf '%s\n' "${filters[@]}" | sort -u); do
        r=$(run_filter "$f")
        if [[ $r != pass ]]; then echo "mutation.sh: baseline filter '$f' gives '$r' on the unmutated tree (log: $log)"; exit 2; fi
    done
    echo "baseline: every filter passes on the unmutated tree"
fi

killed=0; survived=0; errors=0
for i in "${!ids[@]}"; do
    id="${ids[$i]}"; file="${files[$i]}"
    # Start each mutant from the work tree's file (undoing the previous mutant).
    for f in "${files[@]}"; do cmp -s "$root/$f" "$tree/$f" || cp "$root/$f" "$tree/$f"; done
    t0=$SECONDS
    if ! why=$(apply_mutant "$file" "${texts[$i]}" "${reps[$i]}"); then
        echo "ERROR    $id: the text does not apply to $file ($why)"; errors=$((errors + 1)); continue
    fi
    if ! build; then
        echo "ERROR    $id: does not compile (log: $log)"; errors=$((errors + 1)); continue
    fi
    r=$(run_filter "${filters[$i]}")
    case $r in
        fail) killed=$((killed + 1)); echo "killed   $id ($((SECONDS - t0)) s): $(grep -m1 -E "error: .*(failed|XCT)" "$log" | sed -E 's/^.*error: //' | cut -c1-160)";;
        pass) survived=$((survived + 1)); echo "SURVIVED $id ($((SECONDS - t0)) s): '${filters[$i]}' passes with $file mutated";;
        none) errors=$((errors + 1)); echo "ERROR    $id: the filter '${filters[$i]}' matches no test";;
    esac
done
# Leave the scratch tree as the work tree has it.
for f in "${files[@]}"; do cmp -s "$root/$f" "$tree/$f" || cp "$root/$f" "$tree/$f"; done
if [[ $errors -gt 0 ]]; then echo "$errors mutant(s) could not be applied, built or tested"; fi
echo "$killed killed, $survived survived"
[[ $survived -eq 0 && $errors -eq 0 ]]
