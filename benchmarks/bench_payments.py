"""Timings for the payments chapter (prints numbers; not a test).

    PYTHONPATH=lib python benchmarks/bench_payments.py

The interactive targets: a slider change recomputes and patches the charts well within a second; the
receivables functions stay fast on a ledger far larger than the example (a synthetic one, built in memory
for timing only, never saved or presented as data).
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from crossborder import scenario
from crossborder.chapters import payments as P
from crossborder.core import stats

AS_OF = date(2026, 11, 29)


def timed(label: str, fn, repeat: int = 5) -> None:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<58} {best * 1000:9.1f} ms")


def synthetic_ledger(n: int, seed: int = 1) -> pd.DataFrame:
    """A large random ledger for timing (USD, one market)."""
    rng = stats.rng(seed)
    start = np.datetime64(AS_OF - timedelta(days=730))
    inv = start + rng.integers(0, 730, n).astype("timedelta64[D]")
    due = inv + rng.choice([30, 60, 90], n).astype("timedelta64[D]")
    late = rng.normal(10, 15, n).round().astype(int)
    paid = due + late.astype("timedelta64[D]")
    paid = np.where(paid > np.datetime64(AS_OF), np.datetime64("NaT"), paid)
    amount = rng.lognormal(9.5, 0.5, n).round(2)
    led = pd.DataFrame({
        "invoice_id": [f"S{i}" for i in range(n)], "customer": rng.choice([f"C{i}" for i in range(200)], n),
        "market": "DE", "invoice_date": pd.to_datetime(inv), "due_date": pd.to_datetime(due),
        "amount": amount, "currency": "USD", "paid_date": pd.to_datetime(paid),
        "paid_amount": np.where(pd.isna(paid), np.nan, amount), "reason_code": None,
    })
    fx = pd.DataFrame({"rate": [1.0], "rate_date": pd.Timestamp(AS_OF)}, index=pd.Index(["USD"], name="currency"))
    return P.prepare_ledger(led, AS_OF, fx=fx)


def main() -> None:
    scn = scenario.load("DE")
    pay = scn.payments
    inst = P.load_instruments()
    print("Deal model")
    timed("instrument_costs (9 instruments, one deal)", lambda: P.instrument_costs(inst, pay))
    timed("cost_grid (4 tiers x 9 instruments)", lambda: P.cost_grid(inst, pay))
    timed("cost_curve (161 PDs x 9 instruments)", lambda: P.cost_curve(inst, pay, np.linspace(0, 0.2, 161)))
    timed("break_even_pd", lambda: P.break_even_pd(inst, pay))
    grid = P.cost_grid(inst, pay)
    timed("recommend_terms", lambda: P.recommend_terms(grid))

    print("Control panel")
    panel = P.panel(scn, "zh-TW", inst)
    timed("panel render (3 figures + summary)", lambda: panel.render(**panel.values), repeat=3)
    panel.figures  # build the live widgets once
    amounts = iter(range(50_000, 10_000_000, 5_000))
    timed("slider change: render + patch FigureWidgets in place",
          lambda: setattr(panel.controls["amount"], "value", next(amounts)), repeat=3)

    print("KYB and fraud")
    numbers = ["DE136695976", "DE136695978", "27AAPFU0939F1ZV", "00501503", "5-8356-7825-6246"] * 2000
    countries = ["DE", "DE", "IN", "TW", "JP"] * 2000
    timed("kyb_check, 10,000 numbers", lambda: P.kyb_check(numbers, countries), repeat=2)
    orders = pd.concat([P.load_orders()] * 100)
    orders.index = [f"o{i}" for i in range(len(orders))]
    timed(f"fraud_signals + fraud_scores, {len(orders):,} orders",
          lambda: P.fraud_scores(P.fraud_signals(orders, pay), pay), repeat=2)

    print("Receivables")
    for n in (1_000, 100_000):
        led = synthetic_ledger(n)
        timed(f"aging by customer, {n:,} invoices", lambda: P.aging(led, AS_OF, by="customer"))
        timed(f"aging_history, 13 snapshots, {n:,} invoices",
              lambda: P.aging_history(led, P.snapshot_dates(AS_OF, 12)))
        timed(f"dso_countback, {n:,} invoices", lambda: P.dso_countback(led, AS_OF))
        timed(f"dso_trend (13 snapshots, both methods, CEI), {n:,} invoices",
              lambda: P.dso_trend(led, AS_OF, pay.receivables), repeat=2)
    book = P.load_book(pay, AS_OF)
    timed("receivables_view (example ledger, 3 charts + tables)", lambda: P.receivables_view(book, scn, "en"), repeat=3)
    timed("load_book (CSV validation + ECB rates)", lambda: P.load_book(pay, AS_OF), repeat=2)


if __name__ == "__main__":
    main()
