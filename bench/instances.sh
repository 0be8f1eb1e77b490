#!/usr/bin/env bash
# Three `casewatch run` instances on one PostgreSQL database holding a
# million open complaint stages, sending to Postfix's smtp-sink: the time
# for the day's full poll (from start until an instance logs "polled") and
# for sending the day's reminders (until the outbox has nothing pending),
# and each instance's peak memory.
#
#   bash bench/instances.sh
#
# STAGES=100000 for a quicker run; INSTANCES=1 to compare with one;
# CASEWATCH=/path/to/casewatch to time that binary instead of building.
# The instances' clock is moved with libfaketime (Debian's faketime) to
# 08:30 on a working day, so they poll and send whatever the hour.
# Needs smtp-sink (Debian's postfix), faketime, psql, python3, and
# PostgreSQL at CASEWATCH_BENCH_POSTGRES (default
# postgres://postgres@127.0.0.1:5432), where a scratch database is made
# and dropped again.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/council.sh

stages="${STAGES:-1000000}"
instances="${INSTANCES:-3}"
as_of=2026-11-25
server="${CASEWATCH_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
scratch="casewatch_bench_instances_$$"
workdir="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done
    psql -X -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" || true
    rm -rf "$workdir"
}
trap cleanup EXIT

PATH="$PATH:/usr/sbin"
for tool in smtp-sink faketime psql python3; do
    command -v "$tool" > /dev/null || { echo "$tool is needed" >&2; exit 1; }
done
casewatch="$(casewatch_binary)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
sink_user=()
[ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
smtp-sink "${sink_user[@]}" "127.0.0.1:$port" 256 2> /dev/null &
pids+=($!)

echo "generating $stages open stages"
python3 bench/gen_cases.py "$workdir" "$stages" "$as_of"
psql -X -q -v ON_ERROR_STOP=1 -d "$server/postgres" -c "CREATE DATABASE $scratch"
url="$server/$scratch"
cat > "$workdir/casewatch.toml" <<EOF
[database]
url = "$url"
[log]
level = "info"
[mail]
transport = "smtp"
from = "casewatch <casewatch@northmere.gov.uk>"
reply_to = "Complaints team <complaints@northmere.gov.uk>"
complaints_team = "Complaints team <complaints@northmere.gov.uk>"
[mail.smtp]
host = "127.0.0.1"
port = $port
security = "none"
[web]
bind = "127.0.0.1:0"
allow_private_url = true
link_keys = ["bench-instances-key-0123456789abcdef0123456789"]
EOF
echo "loading PostgreSQL (scratch database $scratch)"
load_council "$casewatch" "$workdir/casewatch.toml" "$workdir" postgres "$url" 2> /dev/null

pending() {
    psql -X -A -t -d "$url" -c "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
}
library=$(ls /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 | head -n 1)
echo "starting $instances instance(s)"
start=$(date +%s%N)
for n in $(seq "$instances"); do
    CASEWATCH__DATA_DIR="$workdir/node$n" LD_PRELOAD="$library" TZ=UTC \
        FAKETIME="@$as_of 08:30:00" FAKETIME_DONT_FAKE_MONOTONIC=1 \
        "$casewatch" --config "$workdir/casewatch.toml" run 2> "$workdir/node$n.log" &
    pids+=($!)
done
seconds() { awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.1f", ns / 1e9 }'; }

until grep -qhs " polled " "$workdir"/node*.log; do
    sleep 0.2
    if ! grep -q . <(for pid in "${pids[@]:1}"; do kill -0 "$pid" 2> /dev/null && echo up; done); then
        echo "the instances stopped:" >&2; tail -n 5 "$workdir"/node*.log >&2; exit 1
    fi
done
polled=$(seconds)
queued=$(psql -X -A -t -d "$url" -c "SELECT COUNT(*) FROM outbox")
until [ "$(pending)" -eq 0 ]; do sleep 0.2; done
sent_at=$(seconds)
sent=$(psql -X -A -t -d "$url" -c "SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
peaks=()
for pid in "${pids[@]:1}"; do
    peaks+=("$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")")
    kill -TERM "$pid"
done
wait "${pids[@]:1}"
pollers=$(grep -l " polled " "$workdir"/node*.log | wc -l)

echo
echo "$stages open stages, $instances instance(s) on one PostgreSQL ($(nproc) cores, load $(cut -d" " -f1-3 /proc/loadavg))"
echo "  full poll (start to 'polled'):     $polled s, by $pollers instance(s)"
echo "  day's reminders sent:              $sent of $queued e-mails, all by $sent_at s after start"
echo "  peak RSS per instance (MB):        ${peaks[*]}"
[ "$sent" -eq "$queued" ] || { echo "not every e-mail was sent" >&2; exit 1; }
