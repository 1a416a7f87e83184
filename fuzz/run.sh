#!/usr/bin/env bash
# Fuzzes one target with AFL++ (through cargo-afl) for a while, starting from
# its committed corpus, and reports what it did; fails on any crash or hang.
#
#   fuzz/run.sh TARGET SECONDS        e.g. fuzz/run.sh http_request 600
#   fuzz/run.sh all SECONDS           every target, one after the other
#
# Needs cargo-afl (`cargo install cargo-afl`, which builds AFL++ too). The
# instrumented binaries go to target/afl, the findings to
# target/fuzz/TARGET: crashes in default/crashes, inputs that reached new
# code in default/queue (copy the small ones into fuzz/corpus/TARGET).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
target=$1
seconds=$2
targets=(http_request grpc_request message call_metadata proto_file)
if [ "$target" = all ]; then
    for one in "${targets[@]}"; do "$0" "$one" "$seconds"; done
    exit 0
fi
if [[ ! " ${targets[*]} " =~ " $target " ]]; then
    echo "unknown target $target: expected one of ${targets[*]} or all" >&2
    exit 2
fi

# FUZZ_PREBUILT=1 fuzzes the binary already built, as sources change.
if [ "${FUZZ_PREBUILT:-}" != 1 ]; then
    CARGO_TARGET_DIR=target/afl cargo afl build --release --quiet -p kitgen-fuzz --features afl --bin "$target"
fi

out=target/fuzz/$target
rm -rf "$out"
mkdir -p "$out"
# No UI; no CPU frequency or core-dump checks, which a container cannot
# change; a core of AFL's choosing unless one is set with taskset.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1 AFL_FAST_CAL=1
cargo afl fuzz -i "fuzz/corpus/$target" -o "$out" -V "$seconds" -t 3000 \
    "target/afl/release/$target" > "$out/log" 2>&1 || {
    tail -n 30 "$out/log" >&2
    exit 1
}

stats=$out/default/fuzzer_stats
value() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(value saved_crashes)
hangs=$(value saved_hangs)
echo "$target: $(value execs_done) executions in $(value run_time) s ($(value execs_per_sec)/s), $(value corpus_count) inputs in the queue, edges found $(value edges_found) of $(value total_edges), $crashes crashes, $hangs hangs"
if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then
    echo "findings in $out/default/crashes and $out/default/hangs" >&2
    exit 1
fi
