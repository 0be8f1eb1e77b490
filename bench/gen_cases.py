"""A large synthetic council for the reminder benchmarks.

    python3 bench/gen_cases.py DIR OPEN_STAGES AS_OF [MANAGERS]

writes, from a fixed seed:

- DIR/staff.csv in the import format (`casewatch import staff` loads it):
  MANAGERS managers, by default one for every 250 open stages (at least
  20), a team for every 20 of them and a head of service for every 5
  teams: for a million stages,
  4,000 managers in 200 teams under 40 heads of service, and for a
  council's 5,000, 20 managers in one team. Three in four managers have a
  head of service as escalation contact, the rest escalate to the
  complaints team;
- DIR/cases.csv, DIR/case_stages.csv and DIR/delay_reasons.csv shaped like
  the tables of the same name, with explicit ids, for `sqlite3 .import` and
  PostgreSQL's COPY (an empty cell is NULL): OPEN_STAGES open complaint
  stages, plus the answered earlier stages of escalated complaints.

The open stages were received over the five months before AS_OF
(YYYY-MM-DD): most within their timescale, a minority overdue, a few of those
with a reason for the delay on file. The kinds and timescales are those
`casewatch import` accepts under the default settings; working_days_allowed
is filled in as the import would.
"""

import csv
import datetime
import random
import sys

DOMAIN = "northmere.gov.uk"

FIRST = ["alex", "sam", "priya", "tom", "aisha", "gareth", "helen", "marek", "nia",
         "owen", "ruth", "tariq", "zoe", "dev", "fiona", "kwame", "lena", "rhys"]
LAST = ["morgan", "patel", "hughes", "khan", "davies", "nowak", "evans", "okafor",
        "price", "reid", "shah", "turner", "walsh", "begum", "lloyd", "mensah"]
CATEGORIES = ["Communication", "Delay", "Quality of service", "Staff conduct",
              "Decision", "Policy", "Missed collection", "Repairs", None]
DELAY_CATEGORIES = ["complex_case", "awaiting_complainant", "awaiting_other_agency",
                    "staff_capacity", "legal_advice", "sign_off", "other"]
PREFIX = {"statutory": "CSC", "corporate": "CORP", "send": "SEND", "adult": "ASC"}
# config/default.toml: (kind, stage) -> (working days, extendable to).
TIMESCALES = {("statutory", 1): (10, 20), ("statutory", 2): (25, 65),
              ("statutory", 3): (30, None), ("corporate", 1): (10, 20),
              ("corporate", 2): (20, 40), ("send", 1): (20, None)}


def person(n):
    return f"{FIRST[n % len(FIRST)]}.{LAST[n // len(FIRST) % len(LAST)]}{n}"


def write_staff(path, managers_count):
    teams = max(1, managers_count // 20)
    heads = max(1, teams // 5)
    rng = random.Random(1)
    managers = []
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["email", "name", "team", "escalation_email"])
        for h in range(heads):
            out.writerow([f"head.of.service{h}@{DOMAIN}", f"Head of service {h}",
                          "Senior Leadership", ""])
        for m in range(managers_count):
            team = f"Team {m % teams:03}"
            email = f"{person(m)}@{DOMAIN}"
            head = f"head.of.service{m % teams % heads}@{DOMAIN}" if rng.random() < 0.75 else ""
            out.writerow([email, person(m).replace(".", " ").title(), team, head])
            managers.append((email, team))
    return managers


def age_days(rng):
    """Calendar days since the open stage was received: seven in ten within
    the last two weeks, most of the rest within six weeks, one in ten up to
    five months."""
    r = rng.random()
    if r < 0.70:
        return rng.randint(0, 14)
    if r < 0.90:
        return rng.randint(15, 45)
    return rng.randint(46, 150)


def write_tables(folder, managers, open_stages, as_of):
    rng = random.Random(20261125)
    # Written by "the import" the evening before the polled day.
    stamp = (as_of - datetime.timedelta(days=1)).isoformat() + "T18:00:00+00:00"
    stage_id = 0
    reason_id = 0
    with open(f"{folder}/cases.csv", "w", newline="") as cf, \
            open(f"{folder}/case_stages.csv", "w", newline="") as sf, \
            open(f"{folder}/delay_reasons.csv", "w", newline="") as rf:
        cases, stages, reasons = csv.writer(cf), csv.writer(sf), csv.writer(rf)
        cases.writerow(["id", "reference", "kind", "category", "team", "manager_email",
                        "created_at", "updated_at"])
        stages.writerow(["id", "case_id", "stage", "received_on", "working_days_allowed",
                         "extension_reason", "agreed_response_on", "responded_on",
                         "outcome", "learning", "created_at", "updated_at"])
        reasons.writerow(["id", "stage_id", "category", "text", "expected_response_on",
                          "given_by", "given_at", "via"])
        for case_id in range(1, open_stages + 1):
            r = rng.random()
            kind = ("statutory" if r < 0.2 else "corporate" if r < 0.8
                    else "send" if r < 0.9 else "adult")
            r = rng.random()
            if kind == "statutory":
                stage = 3 if r < 0.02 else 2 if r < 0.15 else 1
            elif kind == "corporate":
                stage = 2 if r < 0.12 else 1
            else:
                stage = 1
            email, team = managers[rng.randrange(len(managers))]
            received = as_of - datetime.timedelta(days=age_days(rng))
            reference = f"{PREFIX[kind]}-{received.year}-{case_id:07}"
            cases.writerow([case_id, reference, kind, rng.choice(CATEGORIES), team, email,
                            stamp, stamp])
            # The earlier stages, answered before this one was asked for.
            earlier = []
            start = received
            for s in range(stage - 1, 0, -1):
                answered = start - datetime.timedelta(days=rng.randint(3, 12))
                asked = answered - datetime.timedelta(days=rng.randint(10, 40))
                earlier.append((s, asked, answered))
                start = asked
            for s, asked, answered in reversed(earlier):
                stage_id += 1
                outcome = rng.choice(["not_upheld", "partially_upheld"])
                stages.writerow([stage_id, case_id, s, asked, TIMESCALES[kind, s][0], None,
                                 None, answered, outcome, None, stamp, stamp])
            stage_id += 1
            allowed, cap = TIMESCALES.get((kind, stage), (None, None))
            extension = None
            if cap is not None and rng.random() < 0.06:
                allowed, extension = cap, "Complex case: several services involved"
            agreed = None
            if kind == "adult" and rng.random() < 0.6:
                agreed = received + datetime.timedelta(days=rng.randint(20, 70))
            stages.writerow([stage_id, case_id, stage, received, allowed, extension, agreed,
                             None, None, None, stamp, stamp])
            if (as_of - received).days > 30 and rng.random() < 0.08:
                reason_id += 1
                reasons.writerow([reason_id, stage_id, rng.choice(DELAY_CATEGORIES),
                                  "Waiting on records from another service", None, None,
                                  stamp, "import"])


def main():
    folder, open_stages, as_of = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    as_of = datetime.date.fromisoformat(as_of)
    count = int(sys.argv[4]) if len(sys.argv) > 4 else max(20, open_stages // 250)
    managers = write_staff(f"{folder}/staff.csv", count)
    write_tables(folder, managers, open_stages, as_of)


if __name__ == "__main__":
    main()
