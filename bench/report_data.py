"""Synthetic case data for bench/report.sh: STAGES complaint stages, comments
and compliments received 2024-04-01 to 2026-03-31, written as one CSV file
per table (ids included) into OUT, plus expected.json: the figures of the
report that need no working-day calendar, worked out while generating, so
the benchmark also checks the answers.

    python3 bench/report_data.py OUT STAGES
"""
import csv
import datetime
import json
import os
import random
import sys

out, stages_wanted = sys.argv[1], int(sys.argv[2])
rng = random.Random(20250401)

FIRST = datetime.date(2024, 4, 1)
LAST = datetime.date(2026, 3, 31)
PERIODS = {
    "two_years": (FIRST, LAST),
    "year": (datetime.date(2025, 4, 1), LAST),
    "year_before": (FIRST, datetime.date(2025, 3, 31)),
}
NOW = "2026-04-30T12:00:00Z"
KINDS = ["statutory", "corporate", "send", "adult", "comment", "compliment"]
KIND_WEIGHTS = [25, 45, 8, 7, 5, 10]
# (working days, extended to) by kind and stage, as config/default.toml.
ALLOWED = {
    ("statutory", 1): (10, 20), ("statutory", 2): (25, 65), ("statutory", 3): (30, None),
    ("corporate", 1): (10, 20), ("corporate", 2): (20, 40), ("send", 1): (20, None),
}
TEAMS = [f"Team {i:02}" for i in range(40)]
MANAGERS = [(f"manager{i:03}@example.org", TEAMS[i % len(TEAMS)]) for i in range(200)]
CATEGORIES = ["Communication", "Delay", "Staff conduct", "Quality of service", "Policy",
              "Assessment", "Care plan", "Education placement", "Transport", "Finance",
              "Housing", "Planning & roads"]
REASONS = ["complex_case", "awaiting_complainant", "awaiting_other_agency",
           "staff_capacity", "legal_advice", "sign_off", "other"]
OUTCOMES = ["upheld", "partially_upheld", "not_upheld", "withdrawn"]
OUTCOME_WEIGHTS = [25, 20, 50, 5]

expected = {
    name: {"complaints": {k: 0 for k in KINDS[:4]}, "comments": 0, "compliments": 0,
           "compliment_teams": set(), "stage2": 0, "stage3": 0, "responses": 0}
    for name in PERIODS
}


def count(kind, stage, team, received, responded, outcome):
    for name, (first, last) in PERIODS.items():
        e = expected[name]
        if first <= received <= last:
            if kind == "comment":
                e["comments"] += 1
            elif kind == "compliment":
                e["compliments"] += 1
                e["compliment_teams"].add(team)
            elif stage == 1:
                e["complaints"][kind] += 1
            else:
                e[f"stage{stage}"] += 1
        if (kind not in ("comment", "compliment") and responded is not None
                and first <= responded <= last and outcome != "withdrawn"):
            e["responses"] += 1


def opened(name):
    return csv.writer(open(os.path.join(out, name), "w", newline=""))


staff_csv = opened("staff.csv")
for i, (email, team) in enumerate(MANAGERS, 1):
    staff_csv.writerow([i, email, f"Manager {i}", team, "", NOW, NOW])
cases_csv, stages_csv, reasons_csv = opened("cases.csv"), opened("case_stages.csv"), opened("delay_reasons.csv")

span = (LAST - FIRST).days
stage_id = reason_id = case_id = 0
while stage_id < stages_wanted:
    case_id += 1
    kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
    email, team = rng.choice(MANAGERS)
    category = rng.choice(CATEGORIES) if rng.random() < 0.9 else ""
    cases_csv.writerow([case_id, f"{kind[:4].upper()}-{case_id:07}", kind, category, team, email, NOW, NOW])
    received = FIRST + datetime.timedelta(days=rng.randint(0, span))
    if kind in ("comment", "compliment"):
        stage_id += 1
        stages_csv.writerow([stage_id, case_id, 0, received, "", "", "", "", "", "", NOW, NOW])
        count(kind, 0, team, received, None, None)
        continue
    stage = 1
    while stage_id < stages_wanted and received <= LAST:
        stage_id += 1
        allowed, cap = ALLOWED.get((kind, stage), (None, None))
        extension = ""
        if cap and rng.random() < 0.1:
            allowed, extension = cap, "Extended by agreement"
        agreed = ""
        if kind == "adult" and rng.random() < 0.7:
            agreed = received + datetime.timedelta(days=rng.randint(20, 120))
        responded, outcome, learning = None, "", ""
        if rng.random() < 0.92:
            outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
            responded = received + datetime.timedelta(days=rng.randint(3, 70))
            if outcome == "withdrawn" and rng.random() < 0.5:
                responded = None
            if outcome in ("upheld", "partially_upheld") and rng.random() < 0.6:
                learning = "What the service changed"
        stages_csv.writerow([stage_id, case_id, stage, received, allowed or "", extension, agreed,
                             responded or "", outcome, learning, NOW, NOW])
        count(kind, stage, team, received, responded, outcome)
        if responded and (responded - received).days > 28:
            for _ in range(rng.choices([0, 1, 2], [75, 20, 5])[0]):
                reason_id += 1
                reasons_csv.writerow([reason_id, stage_id, rng.choice(REASONS), "Waiting on others",
                                      "", "", NOW, "import"])
        # Stage 2 follows 15% of answered stage 1s; stage 3 10% of statutory stage 2s.
        escalates = {(1, "statutory"): 0.15, (1, "corporate"): 0.15, (2, "statutory"): 0.1}
        if not responded or outcome == "withdrawn" or rng.random() >= escalates.get((stage, kind), 0):
            break
        stage += 1
        received = responded + datetime.timedelta(days=rng.randint(1, 20))

for e in expected.values():
    e["complaints"]["total"] = sum(e["complaints"].values())
    e["compliment_teams"] = len(e["compliment_teams"])
json.dump({"periods": {k: [str(a), str(b)] for k, (a, b) in PERIODS.items()},
           "figures": expected, "cases": case_id, "stages": stage_id, "reasons": reason_id},
          open(os.path.join(out, "expected.json"), "w"), indent=1)
print(f"generated {case_id} cases, {stage_id} stages, {reason_id} delay reasons")
