#!/usr/bin/env bash
# 10,000 reminder e-mails from `casewatch poll --once` to a local SMTP sink
# (Postfix's smtp-sink), next to Postfix's smtp-source sending 10,000
# messages of the same size to the same sink over the same number of
# connections. Prints both times and rates. Floor: casewatch sends the
# 10,000 within 60 seconds.
#
#   bash bench/smtp.sh
#
# MESSAGES (default 10000) and POOL (connections, default 4, casewatch's
# mail.smtp.pool_size default); BACKENDS=sqlite (or postgres) for one
# backend; CASEWATCH=/path/to/casewatch to time that binary instead of
# building this tree. Installs Debian's postfix package (unconfigured, so no
# mail daemon starts) when smtp-sink is missing and running as root. Needs
# sqlite3, psql, python3 and PostgreSQL at CASEWATCH_BENCH_POSTGRES (default
# postgres://postgres@127.0.0.1:5432), where a scratch database is created
# and dropped again.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/council.sh

messages="${MESSAGES:-10000}"
pool="${POOL:-4}"
backends="${BACKENDS:-sqlite postgres}"
# A Wednesday, a working day in England.
as_of=2026-11-25
server="${CASEWATCH_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
scratch="casewatch_bench_smtp_$$"

workdir="$(mktemp -d)"
created_db=""
sink_pid=""
cleanup() {
    local status=$?
    if [ -n "$sink_pid" ]; then
        kill "$sink_pid" 2> /dev/null || true
        wait "$sink_pid" 2> /dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -s "$workdir/stderr.log" ]; then
        echo "failed; the end of the log:" >&2
        tail -n 20 "$workdir/stderr.log" >&2
    fi
    if [ -n "$created_db" ]; then
        psql -X -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $scratch" || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

if ! command -v smtp-sink > /dev/null && [ ! -x /usr/sbin/smtp-sink ]; then
    echo "installing Debian's postfix package for smtp-sink and smtp-source"
    # "No configuration": the tools only, no mail daemon on port 25.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix > /dev/null
fi
PATH="$PATH:/usr/sbin"
for tool in smtp-sink smtp-source sqlite3 psql python3; do
    command -v "$tool" > /dev/null || { echo "$tool is needed" >&2; exit 1; }
done

casewatch="$(casewatch_binary)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# The sink accepts everything and keeps nothing. As root it needs a user to
# run as; up to 256 connections at once.
sink_user=()
if [ "$(id -u)" -eq 0 ]; then
    sink_user=(-u nobody)
fi
smtp-sink "${sink_user[@]}" "127.0.0.1:$port" 256 2>> "$workdir/stderr.log" &
sink_pid=$!
for _ in $(seq 50); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2> /dev/null; then
        break
    fi
    sleep 0.1
done
kill -0 "$sink_pid"

# A council small enough to compose quickly: its reminders become the
# e-mails whose size and content the queue copies. 4,000 managers, as in
# the million-stage council, so that an e-mail lists a manager's few cases.
echo "generating a council"
python3 bench/gen_cases.py "$workdir" 20000 "$as_of" 4000

# settings BACKEND URL TRANSPORT: a settings file. The addresses are the
# council's own (SMTP refuses the .example placeholders).
settings() {
    local file="$workdir/$1-$3.toml"
    cat > "$file" <<EOF
data_dir = "$workdir/data-$1"
[database]
url = "$2"
[mail]
transport = "$3"
dir = "$workdir/mail-$1"
from = "casewatch <casewatch@northmere.gov.uk>"
reply_to = "Complaints team <complaints@northmere.gov.uk>"
complaints_team = "Complaints team <complaints@northmere.gov.uk>"
[mail.smtp]
host = "127.0.0.1"
port = $port
security = "none"
pool_size = $pool
[web]
allow_private_url = true
EOF
    echo "$file"
}

# elapsed COMMAND...: runs COMMAND (standard output to the log), prints
# its wall time in seconds.
elapsed() {
    local start end
    start=$(date +%s%N)
    "$@" >> "$workdir/stderr.log" 2>&1
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

# sql BACKEND URL: runs the SQL on standard input, printing rows unaligned.
sql() {
    case "$1" in
        sqlite) sqlite3 -bail "${2#sqlite://}" ;;
        postgres) psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$2" ;;
    esac
}

results="$workdir/results"
run() {
    local backend="$1" url="$2"
    local file smtp
    file="$(settings "$backend" "$url" file)"
    smtp="$(settings "$backend" "$url" smtp)"
    load_council "$casewatch" "$file" "$workdir" "$backend" "$url" 2>> "$workdir/stderr.log"
    # Compose the day's e-mails through the file transport: they are
    # written out and marked sent.
    "$casewatch" --config "$file" poll --once --as-of "$as_of" >> "$workdir/stderr.log" 2>&1
    # Queue copies of the median-sized one, due since midnight: the next
    # drain sends exactly those. Its .eml file is what goes over SMTP, byte
    # for byte (before dot-stuffing), but for the Message-ID's digits.
    local median
    median="$(sql "$backend" "$url" <<EOF
SELECT outbox_id FROM outbox_bodies ORDER BY length(body_text) + length(body_html), outbox_id
LIMIT 1 OFFSET (SELECT count(*) / 2 FROM outbox_bodies);
EOF
)"
    sql "$backend" "$url" > /dev/null <<EOF
WITH RECURSIVE copies (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copies WHERE n < $messages)
INSERT INTO outbox (for_day, recipient, cc, subject, next_attempt_at, created_at)
SELECT o.for_day, o.recipient, o.cc, o.subject, '${as_of}T00:00:00+00:00', o.created_at
FROM outbox o, copies WHERE o.id = $median;
INSERT INTO outbox_bodies (outbox_id, body_text, body_html, ics)
SELECT o.id, b.body_text, b.body_html, b.ics
FROM outbox o, outbox_bodies b
WHERE b.outbox_id = $median AND o.id NOT IN (SELECT outbox_id FROM outbox_bodies);
EOF
    cp "$workdir/mail-$backend/$as_of-$(printf %08d "$median").eml" "$workdir/median-$backend.eml"
    local size
    size="$(wc -c < "$workdir/median-$backend.eml")"
    echo "$backend: $messages e-mails of $size bytes queued; sending over $pool connections"
    local seconds
    seconds="$(elapsed "$casewatch" --config "$smtp" poll --once --as-of "$as_of")"
    if ! grep -q "^$messages sent, 0 to retry, 0 failed" "$workdir/stderr.log"; then
        echo "$backend: casewatch did not send all $messages e-mails:" >&2
        grep "sent, .* to retry" "$workdir/stderr.log" >&2 || true
        exit 1
    fi
    echo "$backend casewatch $seconds $size" >> "$results"
}

run_source() {
    local size="$1"
    # smtp-source appends CRLF to each line of -F's file: give it the
    # e-mail with bare LF endings, so the same bytes go over the wire.
    tr -d '\r' < "$workdir/median-$2.eml" > "$workdir/median-lf.eml"
    local seconds
    seconds="$(elapsed smtp-source -s "$pool" -d -m "$messages" -F "$workdir/median-lf.eml" \
        -f casewatch@northmere.gov.uk -t manager@northmere.gov.uk "127.0.0.1:$port")"
    echo "$2 smtp-source $seconds $size" >> "$results"
}

for backend in $backends; do
    case "$backend" in
        sqlite)
            run sqlite "sqlite://$workdir/data-sqlite/casewatch.db"
            ;;
        postgres)
            psql -X -q -v ON_ERROR_STOP=1 -d "$server/postgres" -c "CREATE DATABASE $scratch"
            created_db=yes
            run postgres "$server/$scratch"
            ;;
        *) echo "unknown backend $backend (sqlite or postgres)" >&2; exit 2 ;;
    esac
    run_source "$(awk -v b="$backend" '$1 == b && $2 == "casewatch" { print $4 }' "$results")" "$backend"
done

echo
echo "$messages e-mails to smtp-sink over $pool connections ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
awk -v n="$messages" '
    { t[$1, $2] = $3; size[$1] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
    END {
        printf "%-9s %-26s %9s %12s\n", "backend", "sender", "wall (s)", "messages/s"
        for (i = 1; i <= k; i++) {
            b = order[i]
            printf "%-9s %-26s %9.2f %12.0f\n", b, "casewatch poll --once", t[b, "casewatch"], n / t[b, "casewatch"]
            printf "%-9s %-26s %9.2f %12.0f\n", b, "smtp-source -s -d -F", t[b, "smtp-source"], n / t[b, "smtp-source"]
            ratio = t[b, "smtp-source"] / t[b, "casewatch"]
            printf "  %s: casewatch at %.2f of smtp-source'"'"'s rate (%d-byte messages); floor (%d within 60 s) %s\n",
                b, ratio, size[b], n, (t[b, "casewatch"] <= 60 ? "met" : "NOT met")
        }
    }' "$results"
