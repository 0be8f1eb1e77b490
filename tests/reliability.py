#!/usr/bin/env python3
"""casewatch's fault drills, run by .ci/run after the Rust tests.

kill-loop  SIGKILLs `casewatch run` at random moments during its poll and
           its sending, KILLS times, against a real SMTP server (aiosmtpd),
           then lets one run finish the day, and counts the e-mails sent,
           lost and repeated.
instances  starts three `casewatch run` on one PostgreSQL database, SIGKILLs
           one mid-send, and checks every e-mail arrives exactly once.

Both use a real clock moved by libfaketime (Debian's faketime), so `run`
works inside its sending window whatever the hour CI runs at. Everything is
on loopback and bounded in time; any breach of a goal exits non-zero.

Usage: reliability.py BINARY {kill-loop,instances} [--kills N] [--cases N] [--seed S]
"""

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A Wednesday in November (GMT): a working day, London time = UTC.
FAKE_DAY = "2026-11-25"
POSTGRES = os.environ.get("CASEWATCH_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def aiosmtpd_python(target: Path) -> str:
    """The test harness's aiosmtpd venv, made here when missing."""
    venv = target / "tmp" / "aiosmtpd-venv"
    python = venv / "bin" / "python"
    if subprocess.run([python, "-c", "import aiosmtpd"], stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "aiosmtpd==1.4.6"], check=True)
    return str(python)


class Smtp:
    """aiosmtpd with the tests' handler, storing each message as JSON."""

    def __init__(self, python: str, out: Path):
        self.out = out
        out.mkdir()
        # Managers' mailboxes take 20 ms to accept a message, as a real relay
        # might: sending then spans many runs, so kills land mid-send. Port 0:
        # the server binds a port the system picks and says which.
        self.proc = subprocess.Popen(
            [python, str(HERE / "support" / "smtp_server.py"), "0", str(out),
             "--slow", "0.02"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        said = self.proc.stdout.readline().split()
        if len(said) != 2 or said[0] != "ready":
            sys.exit("the SMTP server did not start")
        self.port = int(said[1])

    def message_ids(self) -> list:
        ids = []
        for path in self.out.glob("*.json"):
            data = json.loads(path.read_text())["data"]
            for line in data.splitlines():
                if line.lower().startswith("message-id:"):
                    ids.append(line.split(":", 1)[1].strip())
                    break
        return ids

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def write_data(folder: Path, cases: int):
    """Managers and open complaint stages, each stage needing a reminder
    on FAKE_DAY: some due soon, some due today, most overdue."""
    managers = 25
    with open(folder / "staff.csv", "w") as f:
        f.write("email,name,team,escalation_email\n")
        f.write("head@council.example,Head of Service,Leadership,\n")
        for m in range(managers):
            f.write(f"slow.m{m}@council.example,Manager {m},Team {m % 5},head@council.example\n")
    received = ["2026-11-13", "2026-11-11", "2026-11-05", "2026-10-29", "2026-10-20", "2026-10-01"]
    with open(folder / "cases.csv", "w") as f:
        f.write("reference,kind,stage,received_on,team,manager_email\n")
        for c in range(cases):
            m = c % managers
            f.write(f"R-{c},statutory,1,{received[c % len(received)]},Team {m % 5},slow.m{m}@council.example\n")


def casewatch(binary: str, env: dict, *args, check=True):
    result = subprocess.run([binary, *args], env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"casewatch {' '.join(args)} failed:\n{result.stderr}")
    return result


def base_env(data: Path, smtp: Smtp, database: str, pool_size: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWATCH")}
    env.update({
        "CASEWATCH__DATA_DIR": str(data),
        "CASEWATCH__DATABASE__URL": database,
        # Info: the drills wait for the poll's "polled" line.
        "CASEWATCH__LOG__LEVEL": "info",
        "CASEWATCH__MAIL__TRANSPORT": "smtp",
        "CASEWATCH__MAIL__SMTP__HOST": "127.0.0.1",
        "CASEWATCH__MAIL__SMTP__PORT": str(smtp.port),
        "CASEWATCH__MAIL__SMTP__SECURITY": "none",
        # Each connection in flight at a kill may repeat its message: the
        # server keeps a message once it has the final dot, and the sender
        # learns so only from the reply.
        "CASEWATCH__MAIL__SMTP__POOL_SIZE": str(pool_size),
        "CASEWATCH__MAIL__FROM": "casewatch <casewatch@drill.test>",
        "CASEWATCH__MAIL__REPLY_TO": "Complaints <complaints@drill.test>",
        "CASEWATCH__MAIL__COMPLAINTS_TEAM": "Complaints <complaints@drill.test>",
        # Short claims, so a killed sender's e-mails are taken up soon.
        "CASEWATCH__MAIL__SEND_TIMEOUT_SECONDS": "5",
        "CASEWATCH__REMINDERS__BATCH": "case",
        "CASEWATCH__WEB__BIND": "127.0.0.1:0",
        # The drills read no links: the default 127.0.0.1 address will do.
        "CASEWATCH__WEB__ALLOW_PRIVATE_URL": "true",
        "CASEWATCH__WEB__LINK_KEYS": "reliability-drill-key-0123456789abcdef0123456789",
    })
    return env


def faked(env: dict, start: str) -> dict:
    """The clock starts at `start` (UTC) and runs on; monotonic time, which
    tokio's timers use, stays real."""
    env = dict(env)
    env.update({"FAKETIME": "@" + start, "TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                "FAKETIME_NO_CACHE": "1", "LD_PRELOAD": faketime_library()})
    return env


def faketime_library() -> str:
    for candidate in ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                      "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"]:
        if os.path.exists(candidate):
            return candidate
    sys.exit("libfaketime is needed (Debian package faketime; bash tests/setup.sh installs it)")


def start_run(binary: str, env: dict, log: Path):
    return subprocess.Popen([binary, "run"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(log, "a"), start_new_session=True)


def outbox(query: str, database: str):
    if database.startswith("sqlite://"):
        with sqlite3.connect(database[len("sqlite://"):], timeout=30) as db:
            return db.execute(query).fetchall()
    result = subprocess.run(["psql", database, "-Atc", query], capture_output=True, text=True, check=True)
    return [tuple(line.split("|")) for line in result.stdout.splitlines() if line]


def unfinished(database: str) -> int:
    return int(outbox("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')", database)[0][0])


def wait_for_poll(log: Path, since: int, limit: float = 120):
    """Waits until a run logs that it polled, after `since` bytes of the log."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with open(log, "rb") as f:
            f.seek(since)
            if b" polled " in f.read():
                return
        time.sleep(0.2)
    sys.exit(f"no poll finished within {limit} s; see {log}")


def wait_until_sent(database: str, limit: float = 180):
    deadline = time.monotonic() + limit
    while unfinished(database) > 0 and time.monotonic() < deadline:
        time.sleep(0.5)


def finish_day(binary: str, env: dict, log: Path, database: str, minute: int):
    """One run left alone until the day's outbox is empty, then stopped."""
    since = log.stat().st_size if log.exists() else 0
    proc = start_run(binary, faked(env, fake_time(minute)), log)
    wait_for_poll(log, since)
    wait_until_sent(database)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    if code != 0:
        sys.exit(f"the final run exited {code}; see {log}")


def fake_time(minute: int) -> str:
    """08:30 on FAKE_DAY plus twice `minute` minutes: each run starts later, so
    claims left by a killed run have run out."""
    hours, minutes = divmod(8 * 60 + 30 + 2 * minute, 60)
    return f"{FAKE_DAY} {hours:02d}:{minutes:02d}:00"


def tally(smtp: Smtp, database: str) -> dict:
    ids = smtp.message_ids()
    rows = outbox("SELECT id, status FROM outbox", database)
    expected = {f"<casewatch.{row[0]}.{FAKE_DAY.replace('-', '')}@drill.test>" for row in rows}
    received = set(ids)
    return {
        "e-mails in the outbox": len(rows),
        "sent (by the outbox)": sum(1 for row in rows if row[1] == "sent"),
        "outbox by status": {status: sum(1 for row in rows if row[1] == status)
                             for status in sorted({row[1] for row in rows})},
        "received": len(ids),
        "distinct received": len(received),
        "lost": len(expected - received),
        "repeated": len(ids) - len(received),
        "unexpected": len(received - expected),
    }


def prepare(args, binary: str, work: Path, database: str):
    """The SMTP server, the settings, and the council imported."""
    smtp = Smtp(aiosmtpd_python(Path(args.target)), work / "received")
    env = base_env(work / "data", smtp, database, args.pool_size)
    write_data(work, args.cases)
    casewatch(binary, env, "import", "staff", str(work / "staff.csv"))
    casewatch(binary, env, "import", "cases", str(work / "cases.csv"), "--as-of", FAKE_DAY)
    return smtp, env


def kill_loop(args, binary: str, work: Path):
    database = f"sqlite://{work / 'data' / 'casewatch.db'}"
    smtp, env = prepare(args, binary, work, database)
    log = work / "run.log"
    rng = random.Random(args.seed)
    in_flight_kills = 0
    per_kill = []
    started = time.monotonic()
    for kill in range(args.kills):
        before = len(smtp.message_ids()) - len(set(smtp.message_ids()))
        proc = start_run(binary, faked(env, fake_time(kill)), log)
        time.sleep(rng.uniform(0.05, args.max_life))
        sending = int(outbox("SELECT COUNT(*) FROM outbox WHERE status = 'sending'", database)[0][0])
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        in_flight_kills += sending > 0
        per_kill.append(len(smtp.message_ids()) - len(set(smtp.message_ids())) - before)
    loop_seconds = time.monotonic() - started
    finish_day(binary, env, log, database, args.kills + 1)
    figures = tally(smtp, database)
    smtp.stop()
    figures.update({
        "kills": args.kills,
        "connections (mail.smtp.pool_size)": args.pool_size,
        "kills with e-mails claimed": in_flight_kills,
        "most repeated by one kill": max(per_kill, default=0),
        "seconds in the kill loop": round(loop_seconds, 1),
    })
    report("kill-loop", figures)
    ok = (figures["lost"] == 0 and figures["unexpected"] == 0
          and figures["most repeated by one kill"] <= args.pool_size
          and figures["sent (by the outbox)"] == figures["e-mails in the outbox"] > 0)
    return ok


def instances(args, binary: str, work: Path):
    """Two rounds, each on a fresh database: three instances left alone must
    send every e-mail exactly once; with one killed mid-send, the other two
    must send its e-mails, repeating at most what it had in flight."""
    ok = True
    for kill in (False, True):
        round_dir = work / ("kill" if kill else "calm")
        round_dir.mkdir()
        figures = instances_round(args, binary, round_dir, kill)
        report("instances, one killed mid-send" if kill else "instances", figures)
        ok &= (figures["lost"] == 0 and figures["unexpected"] == 0
               and figures["repeated"] <= (args.pool_size if kill else 0)
               and figures["sent (by the outbox)"] == figures["e-mails in the outbox"] > 0)
        (work / "run.log").open("a").write((round_dir / "run.log").read_text())
    return ok


def instances_round(args, binary: str, work: Path, kill: bool) -> dict:
    name = f"casewatch_drill_{os.getpid()}_{int(kill)}"
    subprocess.run(["psql", POSTGRES, "-qc", f"CREATE DATABASE {name}"], check=True)
    database = POSTGRES.rsplit("/", 1)[0] + "/" + name
    try:
        smtp, env = prepare(args, binary, work, database)
        log = work / "run.log"
        procs = []
        for n in range(3):
            node_env = dict(env, CASEWATCH__DATA_DIR=str(work / f"node{n}"))
            procs.append(start_run(binary, faked(node_env, fake_time(0)), log))
        if kill:
            # Once sending is under way; the others carry on.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not smtp.message_ids():
                time.sleep(0.05)
            time.sleep(0.2)
            os.killpg(procs[0].pid, signal.SIGKILL)
            procs[0].wait()
            procs = procs[1:]
        wait_for_poll(log, 0)
        wait_until_sent(database)
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            if proc.wait(timeout=30) != 0:
                sys.exit(f"an instance did not stop cleanly; see {log}")
        figures = tally(smtp, database)
        smtp.stop()
        figures.update({"instances": 3, "killed mid-send": int(kill),
                        "connections per instance": args.pool_size})
        return figures
    finally:
        subprocess.run(["psql", POSTGRES, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])


def report(drill: str, figures: dict):
    print(f"{drill}:")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("drill", choices=["kill-loop", "instances"])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--cases", type=int, default=2250)
    parser.add_argument("--max-life", type=float, default=2.5,
                        help="longest a run lives before it is killed, in seconds")
    parser.add_argument("--pool-size", type=int, default=1,
                        help="SMTP connections per instance; the goal is at most this many repeats per kill")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--target", default=os.environ.get("CARGO_TARGET_DIR", "target"))
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    with tempfile.TemporaryDirectory(prefix="casewatch-drill-") as work:
        ok = (kill_loop if args.drill == "kill-loop" else instances)(args, binary, Path(work))
        if not ok:
            log = (Path(work) / "run.log").read_text().splitlines()
            print("the runs' log ends:", *log[-30:], sep="\n  ")
    if not ok:
        sys.exit(f"{args.drill}: a goal was missed (see the figures above)")


if __name__ == "__main__":
    main()
