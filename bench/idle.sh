#!/usr/bin/env bash
# An idle `casewatch run`: resident memory (goal: under 20 MB) and CPU time
# used between polls (goal: none), on the demo's database.
#
#   bash bench/idle.sh [SECONDS]     (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
workdir="$(mktemp -d)"
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

echo "building casewatch (release)"
cargo build --quiet --release --bin casewatch
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
casewatch="$target_dir/release/casewatch"

"$casewatch" demo --dir "$workdir/demo" > /dev/null 2>&1
# One poll at start, then none until 03:00: the measured stretch is idle
# whatever the time of day.
export CASEWATCH__SCHEDULE__POLL="0 0 3 * * *"
"$casewatch" --config "$workdir/demo/casewatch.toml" run 2> "$workdir/run.log" &
pid=$!
for _ in $(seq 1 100); do
    grep -q "casewatch is running" "$workdir/run.log" && break
    sleep 0.1
done
grep -q "casewatch is running" "$workdir/run.log" || { cat "$workdir/run.log"; exit 1; }
sleep 5 # let the start-up poll finish

ticks_per_second="$(getconf CLK_TCK)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
status() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$pid/status"; }

before="$(cpu_ticks)"
sleep "$seconds"
after="$(cpu_ticks)"
rss_kb="$(status VmRSS)"
hwm_kb="$(status VmHWM)"
threads="$(status Threads)"

python3 - "$before" "$after" "$ticks_per_second" "$seconds" "$rss_kb" "$hwm_kb" "$threads" <<'PY'
import sys
before, after, hz, seconds, rss, hwm, threads = map(int, sys.argv[1:])
cpu = (after - before) / hz
print(f"idle for {seconds} s after the start-up poll ({threads} threads)")
print(f"resident memory: {rss / 1024:.1f} MB (peak {hwm / 1024:.1f} MB; goal under 20 MB)")
print(f"CPU time while idle: {cpu:.2f} s = {100 * cpu / seconds:.3f} % of one core")
PY
