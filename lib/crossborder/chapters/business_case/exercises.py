"""Workshop helpers: the channel budget at which P(NPV > 0) crosses a target, and which single driver, verified at
its P10 or P90, would change the decision."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from crossborder.core.i18n import t

from .drivers import OWNERS
from .model import DRIVERS, simulate
from .present import Case, decide, driver_label
from .sensitivity import summaries


def budget_for_probability(c: Case, target: float = 0.70, factors: np.ndarray | None = None) -> dict:
    """Scale the channel budget until P(NPV > 0) reaches ``target`` (same draws); the first factor that does,
    with the budget a month and the P50 peak cash the launch budget must then cover (None if none does)."""
    factors = np.round(np.arange(0.25, 4.01, 0.05), 2) if factors is None else factors
    base = c.inputs.channel_budget
    for f in factors:
        r = simulate(replace(c.inputs, channel_budget=base * f), c.drivers.draws)
        if r.p_npv_positive >= target:
            return {"factor": float(f), "channel_budget": base * f, "p": r.p_npv_positive,
                    "peak_cash": float(np.median(r.peak_cash))}
    return {"factor": float(factors[-1]), "channel_budget": None, "p": None, "peak_cash": None}


def decision_changers(c: Case) -> pd.DataFrame:
    """Each driver fixed at its P10 or P90 draw for every draw (the others keep their spread): the decision then."""
    d = c.drivers.draws
    s = summaries(d)
    rows = []
    for name in DRIVERS:
        x = s[name]
        for q in (0.10, 0.90):
            i = int(np.argmin(np.abs(x - np.quantile(x, q))))
            field = getattr(d, name)
            fixed = replace(d, **{name: np.repeat(field[[i]], d.n, axis=0)})
            r = simulate(c.inputs, fixed)
            rows.append({"driver": name, "chapter": OWNERS[name], "q": q, "p": r.p_npv_positive,
                         "decision": decide(c.drivers, c.inputs, r, c.budget, c.rule)})
    return pd.DataFrame(rows)


def decision_changers_table(c: Case, lang: str, dc: pd.DataFrame | None = None) -> pd.DataFrame:
    dc = decision_changers(c) if dc is None else dc
    return pd.DataFrame({
        t("business_case.col_driver", lang): [driver_label(k, lang) for k in dc["driver"]],
        t("business_case.col_chapter", lang): [t("business_case.chapter_ref", lang, n=ch) for ch in dc["chapter"]],
        t("business_case.col_case", lang): [f"P{int(round(q * 100))}" for q in dc["q"]],
        t("business_case.metric_p_npv", lang): [f"{p:.0%}" for p in dc["p"]],
        t("business_case.col_decision_after", lang): [t(f"business_case.decision_{x}", lang) for x in dc["decision"]],
    })
