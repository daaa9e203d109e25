"""Benchmark of the funnel chapter: loading, the lead model, the dashboard, the charts and a control move.

    PYTHONPATH=lib python benchmarks/bench_funnel.py [--repeat 5]

Prints median wall-clock times (ms). What a control move in JupyterLab costs is the "end to end" rows: a market,
channel, period or retention change recomputes the dashboard for the selection (stage counts, economics, KPI
board for two windows), its charts and tables, and patches the live figures in place; a threshold move re-scores
the leads only. Account activity per window is cached on the loaded data, so repeated dashboards are warm.
The scaling rows time the logistic fit and the KPI board on data made larger by
repeating the example rows (timing input only: nothing here is shown as data). Prints numbers only; nothing
here is a pass/fail test.
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np
import pandas as pd
from timing import timed  # benchmarks/timing.py

from crossborder import scenario
from crossborder.chapters import funnel

AS_OF = date(2026, 11, 29)


def row(label: str, ms: float) -> None:
    print(f"{label:62s} {ms:9.1f}")


def bigger(data: funnel.Data, copies: int) -> funnel.Data:
    """The example data with each market's accounts, orders and funnel months repeated ``copies`` times
    (new account ids; funnel rows summed, as if the market were ``copies`` times larger)."""
    c, o = data.customers, data.orders
    cs = pd.concat([c.assign(account_id=c["account_id"] + f"-{k}") for k in range(copies)], ignore_index=True)
    os_ = pd.concat([o.assign(account_id=o["account_id"] + f"-{k}", order_id=o["order_id"] + f"-{k}")
                     for k in range(copies)], ignore_index=True)
    f = data.funnel.copy()
    counts = [*funnel.COUNT_COLUMNS, "spend", "revenue", "gross_margin"]
    f[counts] = f[counts] * copies
    leads = pd.concat([data.leads.assign(lead_id=data.leads["lead_id"] + f"-{k}") for k in range(copies)], ignore_index=True)
    return funnel.Data(f, leads, cs, os_, data.kpis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    n = parser.parse_args().repeat

    print(f"funnel chapter benchmark, median of {n} runs (ms)")
    row("load and validate the five tables (load_data)", timed(funnel.load_data, n))
    data = funnel.load_data()
    print(f"  {len(data.funnel)} funnel rows, {len(data.leads)} leads, {len(data.customers)} accounts, {len(data.orders)} orders")
    settings = scenario.load("DE").funnel.model
    row("lead model: fit on resolved leads + 5-fold out-of-fold", timed(lambda: funnel.lead_model(data.leads, settings), n))
    model = funnel.lead_model(data.leads, settings)

    for code in ("DE", "MX"):
        scn = scenario.load(code)
        print(f"{code}:")
        row("  dashboard (assess: counts, economics, KPI board x 2 windows, tiers)",
            timed(lambda: funnel.assess(scn, data, AS_OF, channel="all", model=model), n))
        db = funnel.assess(scn, data, AS_OF, channel="all", model=model)
        for name in ("funnel_figure", "conversion_figure", "velocity_figure", "score_figure", "calibration_figure",
                     "roc_figure", "ltv_cac_figure", "retention_figure", "board_figure"):
            fn = getattr(funnel, name)
            row(f"  {name}", timed(lambda: fn(db, "zh-TW"), n))
        row("  tables (funnel, speed, economics, tiers, board, volumes, comparison)", timed(lambda: (
            funnel.funnel_table(db, "en"), funnel.speed_table(db, "en"), funnel.economics_table(db, "en"),
            funnel.tier_table(db, "en"), funnel.board_table(db, "en"), funnel.volumes_table(db, "en"),
            funnel.comparison_table(db, "en")), n))
        p = funnel.panel(scn, "zh-TW", data, AS_OF, model=model)
        p.figures  # build the live widgets once, as JupyterLab does on display
        periods = iter([6, 12] * (n + 1))

        def period() -> None:
            p.controls["period"].value = next(periods)
        row("  a period change end to end: dashboard + 5 charts + patch in place", timed(period, n))
        values = iter([55.0, 60.0] * (n + 1))

        def move() -> None:
            p.controls["mql_threshold"].value = next(values)
        row("  a threshold slider move end to end (dashboard reused)", timed(move, n))

    scenarios = {code: scenario.load(code) for code in data.markets()}
    row("all six markets' KPI boards (markets_board)", timed(lambda: funnel.markets_board(data, scenarios, AS_OF), n))
    row("all-markets board figure", timed(lambda: funnel.markets_board_figure(
        data, scenarios, AS_OF, "en", currency=scenarios["DE"].exporter.home_currency), n))

    gen = np.random.default_rng(1)
    for size in (10_000, 100_000):
        X = np.column_stack([np.ones(size), gen.normal(size=(size, len(funnel.FEATURES) - 1))])
        y = (gen.random(size) < 0.35).astype(float)
        row(f"logistic fit (IRLS), {size:,} leads x {X.shape[1]} features", timed(lambda: funnel.fit_logistic(X, y, 1.0), n))
    for copies in (10,):
        big = bigger(data, copies)
        sel = funnel.Selection("DE", "all", funnel.window(AS_OF, 12))
        print(f"data x {copies}: {len(big.customers):,} accounts, {len(big.orders):,} orders, {len(big.leads):,} leads")
        row("  KPI board for one market (two windows)", timed(lambda: funnel.kpi_board(big, sel, scenarios["DE"].funnel), n))
        row("  lead model (fit + 5-fold)", timed(lambda: funnel.lead_model(big.leads, settings), n))


if __name__ == "__main__":
    main()
