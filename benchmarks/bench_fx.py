"""Benchmark of the FX hedging chapter (prints timings; never a timed test).

Targets (issue 6):
- 100,000 paths x 12 months x all strategies (simulation, every strategy, summaries, minimum cover) <= 1 s;
- an interactive recompute with 10,000 paths (model and in-place update of every live figure) <= 100 ms.

Run: PYTHONPATH=lib python benchmarks/bench_fx.py [MARKET] (default JP: the market with every strategy).
Reports the best and the median of several runs, wall clock and CPU time (the CPU time is what the code costs
when other processes compete for the cores; the load average is printed for context).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date

from crossborder import scenario
from crossborder.chapters import fx

AS_OF = date(2026, 11, 29)


def measure(fn, runs: int) -> tuple[list[float], list[float]]:
    fn()  # warm-up: imports, caches
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def line(label: str, wall: list[float], cpu: list[float], target: float) -> None:
    best, median = min(wall), statistics.median(wall)
    verdict = lambda x: "ok" if x <= target else "OVER"  # noqa: E731
    print(f"{label:<52} wall best {best * 1e3:7.1f} ms ({verdict(best)}), median {median * 1e3:7.1f} ms; "
          f"cpu best {min(cpu) * 1e3:7.1f} ms ({verdict(min(cpu))}); target {target * 1e3:.0f} ms")


def main(market: str = "JP") -> None:
    scn = scenario.load(market)
    inp = fx.inputs(scn, AS_OF)
    print(f"market {market}, {len(inp.receivables)} months, load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    for method in ("gbm", "bootstrap"):
        a = fx.analyse(inp, paths=100_000, method=method)
        wall, cpu = measure(lambda: fx.analyse(inp, paths=100_000, method=method), runs=7)
        line(f"100,000 paths x {a.months} months x {len(a.outcomes)} strategies ({method})", wall, cpu, 1.0)

    wall, cpu = measure(lambda: fx.analyse(inp, paths=10_000), runs=15)
    line("10,000 paths: model only", wall, cpu, 0.1)

    panel = fx.panel(scn, "en", AS_OF, inp=inp)
    panel.figures  # build the live FigureWidgets, as JupyterLab does on display
    values = iter([0.3, 0.5, 0.7, 0.9] * 100)

    def recompute():  # what a slider move does: new value -> model -> every figure and table patched in place
        panel.controls["forward_cover"].value = next(values)

    wall, cpu = measure(recompute, runs=15)
    line(f"10,000 paths: control change -> {len(panel.figures)} figures + {len(panel.panes)} panes", wall, cpu, 0.1)
    assert panel.last_error is None, panel.last_error


if __name__ == "__main__":
    main(*sys.argv[1:])
