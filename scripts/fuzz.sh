#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers with libFuzzer (shipped with the Swift toolchain).
#
#   scripts/fuzz.sh [SECONDS_PER_READER] [READER...]      readers: npy json jsonl (default: all)
#
# For each reader it compiles scripts/fuzz/FuzzEntry.swift with the library's sources into one
# binary (-sanitize=fuzzer,address, the reader chosen by -D NCL_FUZZ_<READER>), builds a seed
# corpus of valid files written by the debug nclandscape (point files, critical_points.json and
# .jsonl, tasks.jsonl, sweep lines, .npy arrays), and runs libFuzzer for SECONDS_PER_READER
# (default 60) on one core. A finding is an input that crashes, traps, leaks through a non-
# InputError error or makes a multi-line refusal; it is kept as .build/fuzz/<reader>/crash-*
# and the script exits 1 after naming it. Turn each into a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
secs="${1:-60}"; shift || true
readers=("$@"); [[ ${#readers[@]} -gt 0 ]] || readers=(npy json jsonl)
work=.build/fuzz
mkdir -p "$work"
swift build --product nclandscape >&2
ncl="$PWD/.build/debug/nclandscape"

# Seed corpora from real outputs (the fuzzer mutates from valid files, so it starts deep).
seeds="$work/seeds"
if [[ ! -d "$seeds/done" ]]; then
    rm -rf "$seeds"; mkdir -p "$seeds/npy" "$seeds/json" "$seeds/jsonl" "$seeds/tmp"
    "$ncl" point etf --K 3 --d 3 -o "$seeds/json/etf.json" --npy-dir "$seeds/tmp/etf" >/dev/null
    "$ncl" point random --K 2 --d 3 --n 2 --loss focal --gamma 2 -o "$seeds/json/focal.json" --npy-dir "$seeds/tmp/rnd" >/dev/null
    "$ncl" verify --K 3 --d 2 --n 1 --tau 8 --starts 4 --jobs 1 --out "$seeds/tmp/v" >/dev/null
    "$ncl" sweep --K 2,3 --d 2 --tau 2 --starts 2 --out "$seeds/jsonl/sweep.jsonl" >/dev/null
    cp "$seeds/tmp/v/critical_points.json" "$seeds/json/critical_points.json"
    head -1 "$seeds/tmp/v/critical_points.jsonl" > "$seeds/json/record.json"
    cp "$seeds/tmp/v/critical_points.jsonl" "$seeds/jsonl/critical_points.jsonl"
    cp "$seeds/tmp/v/tasks.jsonl" "$seeds/jsonl/tasks.jsonl"
    printf '{"K":[3],"d":["2..K+1"],"tau":[2,8],"starts":2}\n' > "$seeds/json/spec.json"
    for f in W H y; do cp "$seeds/tmp/etf/$f.npy" "$seeds/npy/etf-$f.npy"; cp "$seeds/tmp/rnd/$f.npy" "$seeds/npy/rnd-$f.npy"; done
    rm -rf "$seeds/tmp"; mkdir "$seeds/done"
fi

status=0
for r in "${readers[@]}"; do
    case "$r" in npy) flag=NCL_FUZZ_NPY;; json) flag=NCL_FUZZ_JSON;; jsonl) flag=NCL_FUZZ_JSONL;;
        *) echo "fuzz.sh: unknown reader '$r' (npy, json, jsonl)" >&2; exit 1;; esac
    dir="$work/$r"; mkdir -p "$dir/corpus"
    bin="$dir/fuzz-$r"
    mapfile -t srcs < <(find Sources/NCLandscape -name '*.swift' | sort)
    srcs+=(scripts/fuzz/FuzzEntry.swift)
    if [[ ! -x "$bin" || -n "$(find "${srcs[@]}" -newer "$bin" | head -1)" ]]; then
        echo "fuzz.sh: compiling the $r target" >&2
        # ld.gold warns about every ASan helper symbol it cannot export; harmless, filtered.
        swiftc -sanitize=fuzzer,address -parse-as-library -module-name NCLandscape -D "$flag" -Onone -g \
            -I Sources/CLinearAlgebra -Xcc -I/usr/include/x86_64-linux-gnu \
            "${srcs[@]}" -o "$bin" 2>&1 | grep -v "Cannot export local symbol" >&2 || true
        [[ -x "$bin" ]] || { echo "fuzz.sh: the $r target did not compile" >&2; exit 1; }
    fi
    cp -n "$seeds/$r"/* "$dir/corpus/" 2>/dev/null || true
    # Findings of earlier runs are replayed first: one that no longer fails moves to
    # $dir/fixed/, one that still fails stays and is reported below.
    for c in "$dir"/crash-* "$dir"/oom-* "$dir"/timeout-*; do
        [[ -e "$c" ]] || continue
        if ( cd "$dir" && ASAN_OPTIONS=detect_leaks=0 "./fuzz-$r" -rss_limit_mb=2048 -timeout=20 "../../../$c" ) >/dev/null 2>&1; then
            mkdir -p "$dir/fixed"; mv "$c" "$dir/fixed/"; echo "fuzz.sh: $r: earlier finding $(basename "$c") no longer fails (moved to $dir/fixed/)" >&2
        fi
    done
    log="$dir/run.log"
    echo "fuzz.sh: $r for ${secs}s (corpus $dir/corpus, log $log)" >&2
    set +e
    # -rss_limit_mb: an input that makes a reader allocate past 2 GiB is a finding too.
    # ASan's leak checker is off: the readers' caches are process-lifetime by design.
    ( cd "$dir" && ASAN_OPTIONS=detect_leaks=0 OPENBLAS_NUM_THREADS=1 "./fuzz-$r" -max_total_time="$secs" -rss_limit_mb=2048 \
        -max_len=65536 -timeout=20 -print_final_stats=1 corpus ) > "$log" 2>&1
    rc=$?
    set -e
    execs="$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")"
    cov="$(grep -oE "cov: [0-9]+" "$log" | tail -1 || true)"
    crashes=("$dir"/crash-* "$dir"/oom-* "$dir"/timeout-*)
    found=()
    for c in "${crashes[@]}"; do [[ -e "$c" ]] && found+=("$c"); done
    if [[ $rc -ne 0 || ${#found[@]} -gt 0 ]]; then
        status=1
        echo "fuzz.sh: $r: FINDING (exit $rc) after $execs inputs; $(grep -m1 -E "ERROR|Fatal error|deadly signal" "$log" || true)"
        for c in "${found[@]}"; do echo "  $c"; done
    else
        echo "fuzz.sh: $r: no finding in ${secs}s, $execs inputs, $cov, corpus $(ls "$dir/corpus" | wc -l) files"
    fi
done
exit $status
