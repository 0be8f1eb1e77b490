#!/usr/bin/env bash
# How fast `casewatch report` and `casewatch tracker` read 1,000,000 stages,
# and how much memory they need (floor: within 10 seconds and 250 MB each): best
# wall time and largest peak
# resident set size of three runs, on SQLite and, when PostgreSQL answers on
# 127.0.0.1:5432 (user postgres, trust), on PostgreSQL too.
#
#   bash bench/report.sh                      # both backends
#   bash bench/report.sh sqlite               # one of them
#   STAGES=100000 bash bench/report.sh sqlite # another size
#
# Needs python3, GNU time (Debian package `time`, /usr/bin/time) and, for
# PostgreSQL, psql and pg_isready. The data is written to a scratch folder
# under /var/tmp (about 500 MB) and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

stages="${STAGES:-1000000}"
runs=3
backends=("${@:-sqlite postgres}")
read -r -a backends <<< "${backends[*]}"

if [ ! -x /usr/bin/time ]; then
    echo "GNU time is needed: apt-get install time" >&2
    exit 1
fi

workdir="$(mktemp -d /var/tmp/casewatch-report-bench.XXXXXX)"
pg_db="casewatch_bench_$$"
pg_admin="postgres://postgres@127.0.0.1:5432/postgres"
cleanup() {
    rm -rf "$workdir"
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" > /dev/null 2>&1 || true
}
trap cleanup EXIT
export CASEWATCH__DATA_DIR="$workdir/data"
# sqlx warns of "slow statements" that take over a second: expected here.
export CASEWATCH__LOG__LEVEL=error

echo "building casewatch (release)"
cargo build --quiet --release --bin casewatch
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
casewatch="$target_dir/release/casewatch"

echo "generating $stages stages"
python3 bench/report_data.py "$workdir" "$stages"

# Loads the generated tables into the schema `casewatch migrate` made.
load_sqlite() {
    python3 - "$workdir" "$1" <<'PY'
import csv, os, sqlite3, sys
folder, path = sys.argv[1], sys.argv[2]
db = sqlite3.connect(path)
tables = {
    "staff": "id, email, name, team, escalation_email, created_at, updated_at",
    "cases": "id, reference, kind, category, team, manager_email, created_at, updated_at",
    "case_stages": "id, case_id, stage, received_on, working_days_allowed, extension_reason, "
                   "agreed_response_on, responded_on, outcome, learning, created_at, updated_at",
    "delay_reasons": "id, stage_id, category, text, expected_response_on, given_by, given_at, via",
}
with db:
    for table, columns in tables.items():
        marks = ", ".join("?" * len(columns.split(",")))
        rows = csv.reader(open(os.path.join(folder, f"{table}.csv"), newline=""))
        db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                       ([cell or None for cell in row] for row in rows))
db.execute("ANALYZE")
db.close()
PY
}

load_postgres() {
    local url="$1" table
    for table in staff cases case_stages delay_reasons; do
        psql -q "$url" -c "\\copy $table FROM '$workdir/$table.csv' WITH (FORMAT csv)"
    done
    psql -q "$url" -c "ANALYZE"
}

# The figures the generator worked out must match the report's.
check() {
    python3 - "$workdir/expected.json" "$1" "$2" <<'PY'
import json, sys
expected = json.load(open(sys.argv[1]))["figures"][sys.argv[2]]
got = json.load(open(sys.argv[3]))
by_kind = dict(got["complaints"]["by_kind"], total=got["complaints"]["total"])
for key, want in expected.items():
    have = by_kind if key == "complaints" else got[key]
    if have != want:
        sys.exit(f"{sys.argv[2]}: {key} is {have}, expected {want}")
PY
}

# Runs the report `runs` times; prints the best wall time and the largest
# peak resident set size.
measure() {
    local label="$1" out="$2" best="" peak=0 line wall rss
    shift 2
    for _ in $(seq "$runs"); do
        /usr/bin/time -v -o "$workdir/time.txt" "$casewatch" "$@" > "$out"
        wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {
            n = split($2, t, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + t[i]
            print s }' "$workdir/time.txt")"
        rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$workdir/time.txt")"
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best="$wall"
        fi
        if [ "$rss" -gt "$peak" ]; then peak="$rss"; fi
    done
    line="$(awk -v s="$best" -v kb="$peak" -v l="$label" 'BEGIN {
        printf "%-44s best %.2f s, peak RSS %.1f MB", l, s, kb / 1024 }')"
    # The floor is set for one million stages.
    if [ "$stages" -eq 1000000 ]; then
        line+="$(awk -v s="$best" -v kb="$peak" 'BEGIN {
            print (s <= 10 && kb / 1024 < 250 ? " (floor met)" : " (floor NOT met)") }')"
    fi
    echo "$line"
}

run_backend() {
    local backend="$1"
    echo "--- $backend"
    "$casewatch" migrate > /dev/null
    local start
    start=$(date +%s)
    case "$backend" in
        sqlite) load_sqlite "$workdir/data/casewatch.db" ;;
        postgres) load_postgres "$CASEWATCH__DATABASE__URL" ;;
    esac
    echo "loaded in $(( $(date +%s) - start )) s"
    local json="$workdir/$backend.json"
    # Two years as one period: every stage counts.
    measure "json, 2024-04-01 to 2026-03-31" "$json" \
        report --from 2024-04-01 --to 2026-03-31 --format json
    check two_years "$json"
    # One year with the year before beside it: every stage is read again.
    measure "md, 2025-04-01 to 2026-03-31 + year before" "$workdir/$backend.md" \
        report --from 2025-04-01 --to 2026-03-31 --format md
    "$casewatch" report --from 2025-04-01 --to 2026-03-31 --format json > "$json"
    check year "$json"
    "$casewatch" report --from 2024-04-01 --to 2025-03-31 --format json > "$json"
    check year_before "$json"
    echo "figures checked against the generator's"
    # The weekly tracker over the same stages, as of the data's last Monday.
    measure "tracker, week of 2026-03-30" "$workdir/tracker.txt" \
        tracker --as-of 2026-03-30 --out "$workdir/trackers" --no-email
}

for backend in "${backends[@]}"; do
    case "$backend" in
        sqlite)
            unset CASEWATCH__DATABASE__URL
            run_backend sqlite
            ;;
        postgres)
            if ! pg_isready -q -h 127.0.0.1 -p 5432; then
                echo "--- postgres: not reachable on 127.0.0.1:5432, skipped"
                continue
            fi
            psql -q "$pg_admin" -c "CREATE DATABASE $pg_db" > /dev/null
            export CASEWATCH__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$pg_db"
            run_backend postgres
            ;;
        *)
            echo "unknown backend $backend (sqlite or postgres)" >&2
            exit 2
            ;;
    esac
done
