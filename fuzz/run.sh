#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 180), one after another, one
# process each, and prints per target the executions, the corpus size and
# any findings (files libFuzzer wrote to fuzz/artifacts/TARGET/).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Builds go to $CARGO_TARGET_DIR, by default outside the clone. The corpus
# grows in fuzz/corpus/TARGET (not committed), starting from the committed
# seeds in fuzz/seeds/TARGET. Exits 1 if any target found something.
set -euo pipefail

seconds=${1:-180}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(import_csv parse_date verify_token)
fi

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/casewatch-fuzz-target}
logs=$(mktemp -d "${TMPDIR:-/tmp}/casewatch-fuzz-logs.XXXXXX")

cd "$fuzz_dir"
cargo +nightly fuzz build --fuzz-dir "$fuzz_dir"
status=0
printf '%-14s %8s %12s %8s %s\n' target seconds executions corpus findings
for target in "${targets[@]}"; do
    corpus="$fuzz_dir/corpus/$target"
    artifacts="$fuzz_dir/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    before=$(find "$artifacts" -type f | wc -l)
    # cargo fuzz points -artifact_prefix at $artifacts.
    # -jobs=1 runs the fuzzer in one child process whose output libFuzzer
    # writes to fuzz-0.log in the working directory: run it in $logs.
    (
        cd "$logs"
        rm -f fuzz-0.log
        cargo +nightly fuzz run --fuzz-dir "$fuzz_dir" "$target" \
            "$corpus" "$fuzz_dir/seeds/$target" -- \
            -max_total_time="$seconds" -jobs=1 -print_final_stats=1 >"$logs/$target.out" 2>&1 || true
        cat fuzz-0.log >>"$logs/$target.out" 2>/dev/null || true
    )
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$target.out" |
        tail -1 | grep -o '[0-9]*$' || true)
    if [ -z "$executions" ]; then
        executions=$(grep -o '^#[0-9]*' "$logs/$target.out" | tail -1 | tr -d '#' || true)
    fi
    size=$(find "$corpus" -type f | wc -l)
    after=$(find "$artifacts" -type f | wc -l)
    found=$((after - before))
    if [ "$found" -gt 0 ]; then
        status=1
        findings="$found new in fuzz/artifacts/$target (log: $logs/$target.out)"
    else
        findings="none"
    fi
    printf '%-14s %8s %12s %8s %s\n' "$target" "$seconds" "${executions:-?}" "$size" "$findings"
done
echo "logs: $logs"
exit $status
