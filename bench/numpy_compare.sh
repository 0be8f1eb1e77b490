#!/usr/bin/env bash
# numpy.busday_offset against casewatch's Calendar::deadline on one core: one
# million (received, N) pairs, England and Wales holidays from casewatch itself,
# every answer checked. numpy goes in a throw-away virtual environment.
#
#   bash bench/numpy_compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

echo "building the Rust program (release)"
cargo build --quiet --release --example calendar_throughput
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
program="$target_dir/release/examples/calendar_throughput"

echo "installing numpy in a throw-away virtual environment"
python3 -m venv "$workdir/venv"
"$workdir/venv/bin/pip" install --quiet --disable-pip-version-check numpy

"$program" holidays "$workdir/holidays.txt"

# One core for both, so the figures compare one thread with one thread; the
# Rust program inherits the Python process's affinity.
pin=()
if command -v taskset > /dev/null; then
    pin=(taskset -c 0)
else
    echo "taskset not found: running unpinned"
fi
# Some machines set these for old OpenBLAS builds; they only slow numpy.
"${pin[@]}" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    "$workdir/venv/bin/python" bench/numpy_compare.py "$program" "$workdir/holidays.txt" "$workdir"
