"""Benchmark of the risk map chapter: how long a recompute of the Monte Carlo and the figures takes.

    PYTHONPATH=lib python benchmarks/bench_risk.py [--repeat 5]

Prints median wall-clock times (ms). What a slider move in JupyterLab costs is "panel refresh": the Monte Carlo
for the market's register before and after mitigation, the three figures and the tables, and patching the live
figures in place. Prints numbers only; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import dataclasses
from datetime import date

import numpy as np
import pandas as pd
from timing import timed  # benchmarks/timing.py

from crossborder import scenario
from crossborder.chapters import risk

AS_OF = date(2026, 11, 29)


def with_trials(scn: scenario.Scenario, trials: int) -> scenario.Scenario:
    return dataclasses.replace(scn, sections=dict(scn.sections, risk=scn.risk.model_copy(update={"trials": trials})))


def big_register(reg: pd.DataFrame, copies: int) -> pd.DataFrame:
    """The shared rows repeated ``copies`` times under new ids (a register of a large group)."""
    shared = reg[reg["market"] == "all"]
    parts = [shared.assign(id=shared["id"].str.slice(0, 2) + f"{k:03d}"[-3:] + shared["id"].str.slice(2))
             for k in range(copies)]
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.repeat

    print(f"risk map benchmark, median of {n} runs (ms)")
    print(f"{'load and validate data/risks.csv':58s} {timed(lambda: risk.load_register(risk.RISKS_FILE), n):8.1f}")
    reg = risk.load_register(risk.RISKS_FILE)

    for code in ("DE", "MX"):
        scn = scenario.load(code)
        k = len(risk.market_register(reg, code))
        a = risk.assess(scn, reg, AS_OF)
        print(f"{code}: {k} risks, {scn.risk.trials:,} simulated years")
        print(f"  {'Monte Carlo, inherent + residual (assess)':56s} {timed(lambda: risk.assess(scn, reg, AS_OF), n):8.1f}")
        print(f"  {'heat map figure':56s} {timed(lambda: risk.heatmap_figure(a, 'zh-TW', 'PF1'), n):8.1f}")
        print(f"  {'loss-exceedance figure':56s} {timed(lambda: risk.exceedance_figure(a, 'zh-TW'), n):8.1f}")
        print(f"  {'family-loss figure':56s} {timed(lambda: risk.family_figure(a, 'zh-TW'), n):8.1f}")
        print(f"  {'tables (summary, top risks, register, overdue)':56s} "
              f"{timed(lambda: (risk.loss_summary(a, 'en'), risk.top_risks_table(a, 'en'), risk.register_table(a, 'en'), risk.overdue_table(a, 'en')), n):8.1f}")
        p = risk.panel(scn, "zh-TW", reg, AS_OF)
        print(f"  {'panel render: Monte Carlo + figures + tables':56s} {timed(lambda: p.render(**p.values), n):8.1f}")
        p.figures  # build the live widgets once, as JupyterLab does on display
        print(f"  {'panel refresh: render + patch live figures in place':56s} {timed(p.refresh, n):8.1f}")
        values = iter([5, 4] * (n + 1))
        slider = p.controls["likelihood"]
        slider.max = 5

        def move() -> None:
            slider.value = next(values)
        print(f"  {'a slider move end to end (observer -> refresh)':56s} {timed(move, n):8.1f}")

    scn = scenario.load("DE")
    for trials in (20_000, 100_000):
        s = with_trials(scn, trials)
        print(f"DE Monte Carlo with {trials:>7,} years {'':27s} {timed(lambda: risk.assess(s, reg, AS_OF), n):8.1f}")
    for copies in (5, 25):
        big = big_register(reg, copies)
        p_big = risk.market_register(big, "DE").copy()
        p_big = risk.scored(p_big)
        ms = timed(lambda: risk.simulate(p_big, 20_000, 1), n)
        events = float(np.nansum(p_big["frequency"]) + np.nansum(p_big["residual_frequency"])) * 20_000
        print(f"simulate {len(p_big):4d} risks x 20,000 years (~{events / 1e6:.1f} M loss events) {'':5s} {ms:8.1f}")


if __name__ == "__main__":
    main()
