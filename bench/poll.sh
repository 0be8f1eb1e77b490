#!/usr/bin/env bash
# `casewatch poll --once` over one million open complaint stages, on SQLite
# and on PostgreSQL, next to the database's own client (sqlite3, psql)
# reading the same rows with the poll's own query. Prints wall time and peak
# memory of each, and the ratio. Floors, at a million stages: the first
# poll of the day within 180 s, the second within 30 s, each under 250 MB.
# For scale it also times the same client writing the least the first poll
# must write: the day's reminders under their key. STAGES=5000 is a
# council's day (the staff scale with the stages: bench/gen_cases.py).
#
#   bash bench/poll.sh
#
# STAGES=100000 for a quicker run; BACKENDS=sqlite (or postgres) for one
# backend; CASEWATCH=/path/to/casewatch to time that binary instead of
# building this tree.
#
# Needs sqlite3, psql and /usr/bin/time (Debian package `time`; installed
# when missing and running as root), python3, and PostgreSQL at
# CASEWATCH_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432), where
# a scratch database is created and dropped again.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/council.sh

stages="${STAGES:-1000000}"
backends="${BACKENDS:-sqlite postgres}"
# A Wednesday, a working day in England.
as_of=2026-11-25
server="${CASEWATCH_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
scratch="casewatch_bench_poll_$$"
runs=3

workdir="$(mktemp -d)"
created_db=""
cleanup() {
    local status=$?
    if [ "$status" -ne 0 ] && [ -s "$workdir/stderr.log" ]; then
        echo "failed; the end of casewatch's log:" >&2
        tail -n 20 "$workdir/stderr.log" >&2
    fi
    if [ -n "$created_db" ]; then
        psql -X -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $scratch" || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (Debian package time)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q time > /dev/null
fi
for tool in sqlite3 psql python3; do
    command -v "$tool" > /dev/null || { echo "$tool is needed" >&2; exit 1; }
done

casewatch="$(casewatch_binary)"

# The poll's own query, taken from the source so the two never drift apart,
# with its one parameter (the day) filled in.
# open_stages_sql BACKEND
open_stages_sql() {
python3 - "$as_of" "$1" <<'PY'
import re, sys
# OPEN_STAGES is a concat! of string literals and the store's SQL macros
# (src/store/mod.rs), which may themselves be concat!s of literals and
# macros; put it together as the compiler does.
store = open("src/store/mod.rs").read()
PART = r'"((?:[^"\\]|\\.)*)"|(\w+)!\(\)'

def expand(body):
    return "".join(literal if not name else macro(name) for literal, name in re.findall(PART, body))

def macro(name):
    body = re.search(r"macro_rules! %s \{\s*\(\) => \{(.*?)\n    \};" % name, store, re.S).group(1)
    return expand(body)

body = re.search(r"const OPEN_STAGES: &str = concat!\((.*?)\n\);", open("src/store/outbox.rs").read(), re.S).group(1)
sql = expand(body)
sql = sql.replace("$1", f"'{sys.argv[1]}'")
# Debian's sqlite3 (3.40) predates string_agg, which SQLite 3.44 added as
# another name for group_concat.
if sys.argv[2] == "sqlite":
    sql = sql.replace("string_agg(", "group_concat(")
print(sql)
PY
}

echo "generating $stages open stages"
python3 bench/gen_cases.py "$workdir" "$stages" "$as_of"

# settings BACKEND URL: a settings file with the file transport.
settings() {
    local file="$workdir/$1.toml"
    cat > "$file" <<EOF
data_dir = "$workdir/data-$1"
[database]
url = "$2"
[mail]
transport = "file"
dir = "$workdir/mail-$1"
EOF
    echo "$file"
}

# timed LABEL OUT COMMAND...: runs COMMAND under /usr/bin/time -v with its
# standard output in OUT, and appends "LABEL seconds peak_kib" to the results.
results="$workdir/results"
timed() {
    local label="$1" out="$2"
    shift 2
    /usr/bin/time -v -o "$workdir/time.txt" "$@" > "$out" 2>> "$workdir/stderr.log"
    awk -v label="$label" -F': ' '
        /Elapsed \(wall clock\)/ {
            n = split($2, part, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + part[i]
        }
        /Maximum resident set size/ { kib = $2 }
        END { print label, s, kib }' "$workdir/time.txt" >> "$results"
}

# The least writing the first poll must do, by the database's own client:
# the day's reminders as rows under the uniqueness key the issue asks for
# (stage, kind, deadline), nothing else, copied from those the poll just
# recorded into a table of their own, which is dropped after.
FLOOR_TABLE="CREATE TABLE bench_floor (stage_id BIGINT NOT NULL, kind TEXT NOT NULL,
    due_on DATE NOT NULL, UNIQUE (stage_id, kind, due_on));
INSERT INTO bench_floor SELECT stage_id, kind, due_on FROM reminders ORDER BY id;"

# floor BACKEND READ_COMMAND...: times FLOOR_TABLE through the client of the
# read command (its last argument, the query, replaced).
floor() {
    local backend="$1"
    shift
    local client=("${@:1:$#-1}")
    timed "$backend-floor" /dev/null "${client[@]}" "$FLOOR_TABLE"
    "${client[@]}" "DROP TABLE bench_floor" > /dev/null
}

# bench BACKEND READ_COMMAND...: the client's read (best of $runs), the first
# poll of the day, the client writing its reminders (`floor`) and a second
# poll of the same day (best of $runs).
bench() {
    local backend="$1" config="$workdir/$1.toml"
    shift
    local rows
    rows="$("$@" | wc -l)"
    if [ "$rows" -ne "$stages" ]; then
        echo "$backend: the client read $rows open stages, expected $stages" >&2
        exit 1
    fi
    for _ in $(seq "$runs"); do
        timed "$backend-read" /dev/null "$@"
    done
    timed "$backend-poll-first" "$workdir/first.out" \
        "$casewatch" --config "$config" poll --once --as-of "$as_of"
    cat "$workdir/first.out"
    if ! grep -q "^$as_of: $stages open stage(s) checked" "$workdir/first.out"; then
        echo "$backend: the poll did not check $stages open stages" >&2
        exit 1
    fi
    local queued written
    queued="$(sed -n 's/.* \([0-9]*\) e-mail(s) queued$/\1/p' "$workdir/first.out")"
    written="$(find "$workdir/mail-$backend" -name '*.eml' | wc -l)"
    if [ "$queued" -eq 0 ] || [ "$queued" -ne "$written" ]; then
        echo "$backend: $queued e-mails queued but $written written" >&2
        exit 1
    fi
    echo "$backend: $written e-mails written, $(du -sh "$workdir/mail-$backend" | cut -f1)"
    floor "$backend" "$@"
    for _ in $(seq "$runs"); do
        timed "$backend-poll-again" "$workdir/again.out" \
            "$casewatch" --config "$config" poll --once --as-of "$as_of"
    done
    if ! grep -q "0 newly recorded, 0 e-mail(s) queued" "$workdir/again.out"; then
        echo "$backend: the second poll of the day recorded something:" >&2
        cat "$workdir/again.out" >&2
        exit 1
    fi
}

run_sqlite() {
    echo "loading SQLite"
    local db="$workdir/data-sqlite/casewatch.db"
    settings sqlite "sqlite://$db" > /dev/null
    load_council "$casewatch" "$workdir/sqlite.toml" "$workdir" sqlite "$db" \
        2>> "$workdir/stderr.log"
    echo "benchmarking SQLite"
    bench sqlite sqlite3 -bail "$db" "$(open_stages_sql sqlite)"
}

run_postgres() {
    echo "loading PostgreSQL (scratch database $scratch)"
    psql -X -q -v ON_ERROR_STOP=1 -d "$server/postgres" -c "CREATE DATABASE $scratch"
    created_db=yes
    local url="$server/$scratch"
    settings postgres "$url" > /dev/null
    load_council "$casewatch" "$workdir/postgres.toml" "$workdir" postgres "$url" \
        2>> "$workdir/stderr.log"
    echo "benchmarking PostgreSQL"
    bench postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" -c "$(open_stages_sql postgres)"
}

for backend in $backends; do
    case "$backend" in
        sqlite) run_sqlite ;;
        postgres) run_postgres ;;
        *) echo "unknown backend $backend (sqlite or postgres)" >&2; exit 2 ;;
    esac
done

echo
echo "$stages open stages, poll --once --as-of $as_of, file transport ($(nproc) cores, load $(cut -d" " -f1-3 /proc/loadavg))"
awk -v runs="$runs" -v backends="$backends" -v stages="$stages" '
    {
        split($1, key, "-"); b = key[1]; what = substr($1, length(b) + 2)
        if (!((b, what) in s) || $2 < s[b, what]) { s[b, what] = $2; m[b, what] = $3 }
    }
    function row(b, label, what, read) {
        printf "%-9s %-30s %9.2f %14.1f", b, label, s[b, what], m[b, what] / 1024
        if (read) printf " %7.2fx", s[b, what] / read
        printf "\n"
    }
    function verdict(b, label, what, limit) {
        printf "  %s, %s: time (within %d s) %s, memory (under 250 MB) %s\n", b, label, limit,
            (s[b, what] <= limit ? "met" : "NOT met"), (m[b, what] < 250 * 1024 ? "met" : "NOT met")
    }
    END {
        printf "%-9s %-30s %9s %14s %8s\n", "backend", "run", "wall (s)", "peak RSS (MB)", "x read"
        n = split(backends, order, " ")
        for (i = 1; i <= n; i++) {
            b = order[i]; read = s[b, "read"]
            row(b, "client read (best of " runs ")", "read", 0)
            row(b, "first poll", "poll-first", read)
            row(b, "second poll (best of " runs ")", "poll-again", read)
            row(b, "client writes keyed reminders", "floor", read)
        }
        if (stages != 1000000) exit
        print "floors (a million stages):"
        for (i = 1; i <= n; i++) {
            b = order[i]
            verdict(b, "first poll", "poll-first", 180)
            verdict(b, "second poll", "poll-again", 30)
        }
    }' "$results"
