"""Benchmark of the pricing chapter's recompute (target: <= 50 ms with 20,000 Monte Carlo draws over 5 tiers).

    PYTHONPATH=lib python benchmarks/bench_pricing.py [--market DE] [--repeat 30]

Prints wall-clock and CPU time (median and 90th percentile) for:

1. model: re-stressed price book, ladder and optimum for 5 tiers, 20,000 fresh seeded draws, margin risk;
2. model + the margin-distribution chart rebuilt and patched into a live FigureWidget;
3. a slider move in the control panel: model, all four charts and both tables recomputed and patched in place;
4. a quote-form change (quantity): the quote, its waterfall and its table.

CPU time is printed beside wall time because on a shared machine the wall clock also counts time spent
waiting for a core; the load average is printed for the same reason.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date

import numpy as np
import plotly.graph_objects as go

from crossborder import scenario
from crossborder.chapters import pricing
from crossborder.notebook.panel import update_in_place

TARGET_MS = 50.0


def measure(label: str, fn, repeat: int) -> None:
    fn()  # warm-up
    walls, cpus = [], []
    for i in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn(i)
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    q = lambda xs: (statistics.median(xs), float(np.percentile(xs, 90)))  # noqa: E731
    (wm, w90), (cm, c90) = q(walls), q(cpus)
    flag = "ok" if wm <= TARGET_MS else "over target"
    print(f"{label:58s} wall median {wm:6.1f} ms (p90 {w90:6.1f})   cpu median {cm:6.1f} ms (p90 {c90:6.1f})   {flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--market", default="DE")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    scn = scenario.load(args.market)
    sec = scn.pricing
    book = pricing.book_for(scn, as_of=date(2026, 11, 29))
    model = pricing.focus_model(book, "")
    tiers = pricing.tier_frame(book, model)
    draws = sec.monte_carlo.draws
    print(f"market {args.market}, product {model}, {len(tiers)} tiers, {draws:,} draws; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    shifts = np.linspace(-0.1, 0.2, args.repeat + 1)

    def model_only(i: int = 0) -> None:
        b = pricing.restress(book, pricing.Stress(cost_shift=float(shifts[i]), fx_shift=0.0, competitor_shift=0.0))
        tf = pricing.tier_frame(b, model)
        shocks = pricing.draw_shocks(sec.monte_carlo)        # fresh seeded draws every time
        pricing.margin_risk(b, model, tf["recommended_price"].to_numpy(), shocks)

    measure("1 model (ladder, optimum, 20k draws x 5 tiers)", model_only, args.repeat)

    shocks = pricing.draw_shocks(sec.monte_carlo)
    t0, r0 = pricing.analyse(book, model, shocks)
    widget = go.FigureWidget(pricing.margin_figure(book, r0, t0, "zh-TW"))

    def model_and_chart(i: int = 0) -> None:
        b = pricing.restress(book, pricing.Stress(cost_shift=0.0, fx_shift=float(shifts[i]) / 2, competitor_shift=0.0))
        tf, risk = pricing.analyse(b, model, shocks)
        update_in_place(widget, pricing.margin_figure(b, risk, tf, "zh-TW"))

    measure("2 model + margin chart rebuilt and patched in place", model_and_chart, args.repeat)

    panel = pricing.panel(scn, "zh-TW", as_of=date(2026, 11, 29))
    panel.figures  # build the live widgets once, as JupyterLab does

    def slider(i: int = 0) -> None:
        panel.controls["cost_shift"].value = round(float(shifts[i]), 2) + (0.001 if i % 2 else 0.0)

    measure("3 panel: slider move (model, 4 charts, 2 tables in place)", slider, args.repeat)

    quantities = [20, 60, 150, 300, 700, 1200]

    def quote_form(i: int = 0) -> None:
        panel.controls["quantity"].value = quantities[i % len(quantities)] + i

    measure("4 panel: quote form change (quote, waterfall, table)", quote_form, args.repeat)


if __name__ == "__main__":
    main()
