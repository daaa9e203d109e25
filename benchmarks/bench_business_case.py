"""Benchmark of the business case: reading the drivers once, then the pure 36-month x 2,000-draw recompute.

    PYTHONPATH=lib python benchmarks/bench_business_case.py [--repeat 5] [--market DE]

Prints median wall-clock times (ms). What a control move in JupyterLab costs is "recompute" (the pure model on
the same draws, the decision) plus "panel refresh" (tables and figures); the target is at most 200 ms for the
recompute. The drivers are read once per notebook run.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np

from crossborder import scenario
from crossborder.chapters import business_case

AS_OF = date(2026, 11, 29)


def median_ms(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - t0))
    return float(np.median(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--market", default="DE")
    args = parser.parse_args()
    scn = scenario.load(args.market)
    t0 = time.perf_counter()
    d = business_case.collect(scn, AS_OF)
    print(f"drivers (once)      {1000 * (time.perf_counter() - t0):8.1f} ms")
    print(f"recompute (model)   {median_ms(lambda: business_case.analyse(scn, AS_OF, d, hurdle_rate=0.1), args.repeat):8.1f} ms"
          f"   ({d.draws.n} draws x {d.inputs.months} months; target <= 200 ms)")
    panel = business_case.panel(scn, "en", d, AS_OF)
    values = iter(np.linspace(0.05, 0.2, 100))
    print(f"panel refresh       {median_ms(lambda: setattr(panel.controls['hurdle'], 'value', float(next(values))), args.repeat):8.1f} ms")
    c = business_case.analyse(scn, AS_OF, d)
    print(f"sensitivity         {median_ms(c.ranking, args.repeat):8.1f} ms")


if __name__ == "__main__":
    main()
