"""numpy.busday_offset against casewatch's Calendar::deadline: the same
holidays, the same pairs, one core. Run by numpy_compare.sh, which makes the
virtual environment, builds the Rust program and pins both to one core.

Usage: numpy_compare.py RUST_PROGRAM HOLIDAYS WORKDIR
"""

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

COUNT = 1_000_000
SEED = 20_260_101
REPETITIONS = 10
FIRST_RECEIVED = np.datetime64("2000-01-01", "D")
LAST_RECEIVED = np.datetime64("2035-12-31", "D")
# N >= 1 only. For N >= 1 busday_offset(received, N, roll="backward") is
# exactly our rule: a non-working received day rolls back to the working day
# before it, and the N-th working day after that is the N-th working day
# strictly after the received day. For N = 0 the two differ on purpose:
# casewatch returns the received day itself (day 0, even at a weekend) while
# numpy would return the rolled-back day. 65 is the longest statutory stage.
LARGEST_N = 65


def main() -> int:
    program, holidays_path, workdir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

    holidays = np.array(holidays_path.read_text().split(), dtype="datetime64[D]")
    if holidays.size == 0:
        sys.exit(f"{holidays_path}: no holidays")
    # Built once, outside the clock: busday_offset(holidays=...) would
    # rebuild it on every call.
    calendar = np.busdaycalendar(weekmask="1111100", holidays=holidays)

    rng = np.random.default_rng(SEED)
    span = int((LAST_RECEIVED - FIRST_RECEIVED).astype(int))
    received = FIRST_RECEIVED + rng.integers(0, span + 1, size=COUNT)
    offsets = rng.integers(1, LARGEST_N + 1, size=COUNT)  # int64, as numpy wants

    pairs_path = workdir / "pairs.i32"
    np.column_stack((received.astype("<i4"), offsets.astype("<i4"))).tofile(pairs_path)

    best = float("inf")
    for _ in range(REPETITIONS):
        start = time.perf_counter()
        expected = np.busday_offset(received, offsets, roll="backward", busdaycal=calendar)
        best = min(best, time.perf_counter() - start)
    numpy_rate = COUNT / best
    print(f"numpy {np.__version__} busday_offset: {COUNT} queries, best of "
          f"{REPETITIONS} runs: {best:.6f} s, {numpy_rate:.0f} queries/s")

    answers_path = workdir / "answers.i32"
    run = subprocess.run(
        [program, "deadlines", str(pairs_path), str(answers_path), str(REPETITIONS)],
        check=True, capture_output=True, text=True,
    )
    found = re.search(r"([0-9]+) queries/s", run.stdout)
    if found is None:
        sys.exit(f"cannot read a throughput in {program}'s output: {run.stdout!r}")
    casewatch_rate = int(found.group(1))
    print(f"casewatch Calendar::deadline: {run.stdout.strip()}")

    answers = np.fromfile(answers_path, dtype="<i4")
    if answers.size != COUNT:
        sys.exit(f"casewatch wrote {answers.size} answers for {COUNT} pairs")
    wrong = np.flatnonzero(answers != expected.astype("<i4"))
    if wrong.size:
        for i in wrong[:10]:
            print(f"  {received[i]} + {offsets[i]}: numpy {expected[i]}, "
                  f"casewatch {np.datetime64(int(answers[i]), 'D')}", file=sys.stderr)
        sys.exit(f"{wrong.size} of {COUNT} answers differ")
    print(f"all {COUNT} answers agree")
    print(f"ratio casewatch/numpy: {casewatch_rate / numpy_rate:.1f}x "
          f"(goal: at least 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
