"""Timings of the 90-day plan tracker (prints numbers; not a test).

    PYTHONPATH=lib python benchmarks/bench_plan.py [--updates 200] [--dir /path/on/the/disk/to/measure]

Measures: working-day calendar (cold and warm), instantiating the template, status/RAG + burn-up +
checkpoints with a long history, one update on disk (fully synchronous commits), two processes updating at
once, and one render of the notebook's control panel (three figures). Uses a temporary user folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib"
sys.path.insert(0, str(LIB))


def timed(label: str, fn, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    seconds = (time.perf_counter() - start) / repeat
    print(f"{label:<58} {seconds * 1000:10.3f} ms")
    return seconds


WORKER = """
import sys
from crossborder.chapters.plan import record_update
name, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    record_update("DE", "P1-03", progress=1 + i % 98, note=f"{name}-{i}", by=name, on="2027-01-20")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200, help="updates per process (default 200)")
    parser.add_argument("--dir", help="folder for the database (default: a temporary folder)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-plan-", dir=args.dir))
    os.environ["CROSSBORDER_HOME"] = str(home)

    import holidays

    from crossborder import scenario
    from crossborder.chapters import plan

    print(f"user folder: {home}  (holidays {holidays.__version__})")
    scn = scenario.load("DE")
    timed("calendar: 90 working days, cold (holidays for 3 years)", lambda: plan.WorkCalendar("JP").nth(date(2027, 1, 4), range(1, 91)))
    timed("calendar: 90 working days, warm", lambda: plan.WorkCalendar("JP").nth(date(2027, 1, 4), range(1, 91)), repeat=200)
    timed("instantiate the template (30 tasks, 10 checkpoints)", lambda: plan.instantiate(scn, date(2027, 1, 4)), repeat=20)

    p = plan.instantiate(scn, date(2027, 1, 4))
    for i in range(1000):  # a long history: 1000 updates spread over the tasks
        p = plan.with_pending(p, p.tasks.index[i % 30], date(2027, 1, 4 + i // 100), progress=1 + i % 99)
    as_of = date(2027, 3, 1)
    timed("status + RAG, 1000-update history", lambda: plan.status_table(p, as_of), repeat=20)
    timed("burn-up replay, 1000-update history", lambda: plan.burnup(p, as_of), repeat=20)
    st = plan.status_table(p, as_of)
    timed("KPI checkpoints", lambda: plan.checkpoint_table(p, st, as_of), repeat=20)

    timed("init a plan in SQLite", lambda: plan.init_plan("DE", "2027-01-04", by="bench"))
    n = args.updates
    one = timed(f"one update (mean of {n}, synchronous=FULL, WAL)", lambda: plan.record_update(
        "DE", "P1-05", progress=50, note="x", on="2027-01-20", by="bench"), repeat=n)
    print(f"{'  -> updates per second, one process':<58} {1 / one:9.0f}")

    env = {**os.environ, "PYTHONPATH": str(LIB)}
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, name, str(n)], env=env) for name in ("A", "B")]
    for proc in procs:
        proc.wait()
    wall = time.perf_counter() - start
    h = plan.history("DE")
    landed = int(((h["event"] == "update") & h["by"].isin(["A", "B"])).sum())
    print(f"{f'two processes x {n} updates (wall, incl. start-up)':<58} {wall * 1000:9.1f} ms  landed {landed}/{2 * n}")

    pnl = plan.panel(scn, "en", as_of=as_of)
    timed("control panel: one render (Gantt, burn-up, checkpoints, table)", lambda: pnl.render(**pnl.values), repeat=5)
    timed("view for a report (read-only)", lambda: plan.view(scn, as_of), repeat=10)


if __name__ == "__main__":
    main()
