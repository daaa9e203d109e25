"""The business case for one market: the analysis object, the report's page-one summary and display tables."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from crossborder.core.fmt import money, percent
from crossborder.core.i18n import catalogue, t
from crossborder.scenario import Scenario

from .disciplines import scores
from .drivers import OWNERS, Drivers, collect
from .model import Inputs, Result, bands, decision, leads_per_month, simulate
from .sensitivity import ranking


@dataclass(frozen=True)
class Case:
    drivers: Drivers
    inputs: Inputs                 # possibly changed by the controls
    result: Result
    budget: float
    rule: object
    decision: str

    @property
    def ctx(self):
        return self.drivers.context

    @property
    def home(self) -> str:
        return self.ctx.home

    def npv_q(self) -> np.ndarray:
        return np.quantile(self.result.npv, [0.10, 0.50, 0.90])

    def peak_q(self) -> np.ndarray:
        return np.quantile(self.result.peak_cash, [0.50, 0.90])

    def payback_p50(self) -> float:
        pb = self.result.payback
        pb = np.where(np.isnan(pb), np.inf, pb)
        m = float(np.quantile(pb, 0.5, method="inverted_cdf"))
        return m if np.isfinite(m) else float("nan")

    def ranking(self) -> pd.DataFrame:
        return ranking(self.inputs, self.drivers.draws, self.result.npv, OWNERS)


def decide(d: Drivers, inputs: Inputs, result: Result, budget: float, rule) -> str:
    return decision(d.context.pmf, result.p_npv_positive, float(np.median(result.peak_cash)), budget, rule)


def analyse(scn: Scenario, as_of: date, drivers: Drivers | None = None, *, budget: float | None = None,
            **changes) -> Case:
    """The case for the scenario's market; ``changes`` override :class:`model.Inputs` fields (the controls)."""
    d = drivers or collect(scn, as_of)
    inputs = replace(d.inputs, **changes) if changes else d.inputs
    budget = scn.business_case.launch_budget if budget is None else budget
    res = simulate(inputs, d.draws)
    return Case(d, inputs, res, budget, scn.business_case.rule, decide(d, inputs, res, budget, scn.business_case.rule))


@lru_cache(maxsize=16)
def _cached(code: str, as_of: date) -> Drivers:
    from crossborder import scenario
    return collect(scenario.load(code), as_of)


def summary(scn: Scenario, as_of: date, lang: str) -> dict:
    """Page one of the report: decision, NPV P10/P50/P90, P(NPV > 0), peak cash, payback month and the three first
    actions with owners and due dates from the 90-day plan. Money in the home currency (numbers and formatted)."""
    return summary_of(analyse(scn, as_of), scn, as_of, lang)


def summary_of(c: Case, scn: Scenario, as_of: date, lang: str) -> dict:
    """``summary`` of a case already computed (the notebook publishes it for the report's page one, with the NPV's
    5th to 95th percentiles for the pilot pack's comparison of markets on one axis)."""
    p10, p50, p90 = c.npv_q()
    peak50, peak90 = c.peak_q()
    pb = c.payback_p50()
    sfx = "zh_TW" if lang == "zh-TW" else "en"
    acts = [{"task": r["task"], "action": r[f"name_{sfx}"], "owner": r[f"owner_{sfx}"], "due": r["due"]}
            for _, r in c.ctx.actions.iterrows()]
    return {
        "market": scn.code, "as_of": as_of, "currency": c.home, "decision": c.decision,
        "decision_text": t(f"business_case.decision_{c.decision}", lang), "pmf": c.ctx.pmf,
        "npv_p10": float(p10), "npv_p50": float(p50), "npv_p90": float(p90), "p_npv_pos": c.result.p_npv_positive,
        "peak_cash": float(peak50), "peak_cash_p90": float(peak90), "launch_budget": c.budget,
        "payback_month": None if np.isnan(pb) else int(pb), "actions": acts,
        "npv_percentiles": [float(x) for x in np.quantile(c.result.npv, np.linspace(0.05, 0.95, 19))],
        "hurdle_rate": float(c.inputs.hurdle_rate),
        "drivers": [{"driver": str(k), "label": driver_label(str(k), lang), "chapter": str(r["chapter"]),
                     "share": float(r["share"])} for k, r in c.ranking().head(3).iterrows()],
        "formatted": {"npv_p50": money(p50, c.home, lang), "npv_p10": money(p10, c.home, lang),
                      "npv_p90": money(p90, c.home, lang), "p_npv_pos": percent(c.result.p_npv_positive, lang, 0),
                      "peak_cash": money(peak50, c.home, lang)},
    }


def payback_text(c: Case, lang: str) -> str:
    pb = c.payback_p50()
    return t("business_case.never", lang) if np.isnan(pb) else t("business_case.month_n", lang, n=int(pb))


def outcome_table(c: Case, lang: str) -> pd.DataFrame:
    """Decision and the figures behind it."""
    cur = c.home
    p10, p50, p90 = c.npv_q()
    peak50, peak90 = c.peak_q()
    rows = [
        (t("business_case.metric_decision", lang), t(f"business_case.decision_{c.decision}", lang)),
        (t("business_case.metric_pmf", lang), t(f"business_case.pmf_{c.ctx.pmf}", lang)),
        (t("business_case.metric_npv", lang, rate=percent(c.inputs.hurdle_rate, lang, 0)),
         " / ".join(money(v, cur, lang) for v in (p10, p50, p90))),
        (t("business_case.metric_p_npv", lang), percent(c.result.p_npv_positive, lang, 0)),
        (t("business_case.metric_peak", lang, budget=money(c.budget, cur, lang)),
         f"{money(peak50, cur, lang)} ({money(peak90, cur, lang)})"),
        (t("business_case.metric_payback", lang), payback_text(c, lang)),
        (t("business_case.metric_revenue_y3", lang), money(float(np.median(c.result.revenue[:, -12:].sum(axis=1))), cur, lang)),
    ]
    return pd.DataFrame(rows, columns=[t("business_case.col_metric", lang), t("business_case.col_value", lang)])


def _seg(segment: str, lang: str) -> str:
    return t(f"business_case.seg_{segment}", lang)


def _terms(instrument: str, lang: str) -> str:
    """A payment instrument's name in the report's language (its id when the workbook has no name for it)."""
    key = f"business_case.term_{instrument}"
    return t(key, lang) if key in catalogue() else instrument


def drivers_table(c: Case, lang: str) -> pd.DataFrame:
    """The inputs each chapter contributes, as used by the model."""
    i, ctx, cur = c.inputs, c.ctx, c.home
    sep = "、" if lang == "zh-TW" else ", "
    segs = ("strategic", "key", "standard")
    rows = [
        (t("business_case.input_first_order", lang), t("business_case.month_n", lang, n=i.first_order_month), "09, 06"),
        (t("business_case.input_budget", lang), money(i.channel_budget, cur, lang), "02"),
        (t("business_case.input_leads", lang), f"{leads_per_month(i)[-1].sum():.1f}", "02"),
        (t("business_case.input_conversion", lang), percent(float(c.drivers.draws.conversion.mean()), lang, 1), "07"),
        (t("business_case.input_price", lang, product=ctx.product),
         sep.join(f"{_seg(s, lang)}: {money(p, ctx.invoice, lang)}" for s, p in zip(segs, i.price)), "03"),
        (t("business_case.input_terms", lang), sep.join(
            f"{_seg(s, lang)}: {_terms(ctx.credit_terms[s], lang)} ({t('business_case.days_short', lang, n=f'{d:.0f}')})"
            for s, d in zip(segs, i.receipt_days)), "04"),
        (t("business_case.input_duty", lang), f"{percent(i.duty_share, lang, 1)} / {percent(i.vat_share, lang, 1)}", "06"),
        (t("business_case.input_compliance", lang), f"{money(i.compliance_cost, cur, lang)} · {ctx.days_to_ready:.0f} d", "06"),
        (t("business_case.input_hedge", lang, strategy=ctx.recommended_hedge), percent(i.hedge_ratio, lang, 0), "05"),
        (t("business_case.input_risk", lang), percent(float(c.drivers.draws.risk.mean()), lang, 1), "08"),
    ]
    return pd.DataFrame(rows, columns=[t("business_case.col_input", lang), t("business_case.col_value", lang),
                                       t("business_case.col_chapter", lang)])


def pnl_table(c: Case, lang: str) -> pd.DataFrame:
    """Yearly P&L and cash, P50 of each line's yearly sum (P10-P90 in brackets)."""
    r, cur = c.result, c.home
    lines = {"revenue": r.revenue, "gross_profit": r.gross_profit, "contribution": r.contribution, "ebit": r.ebit,
             "financing": r.financing, "cash_flow": r.cash_flow}
    years = int(np.ceil(c.inputs.months / 12))
    rows = []
    for key, x in lines.items():
        cells = []
        for y in range(years):
            s = x[:, 12 * y:12 * (y + 1)].sum(axis=1)
            q = np.quantile(s, [0.1, 0.5, 0.9])
            cells.append(f"{money(q[1], cur, lang)} ({money(q[0], cur, lang)} – {money(q[2], cur, lang)})")
        rows.append([t(f"business_case.line_{key}", lang), *cells])
    return pd.DataFrame(rows, columns=[t("business_case.col_line", lang),
                                       *[t("business_case.col_year", lang, n=y + 1) for y in range(years)]])


def driver_label(name: str, lang: str) -> str:
    return t(f"business_case.driver_{name}", lang)


def ranking_table(c: Case, lang: str, rk: pd.DataFrame | None = None) -> pd.DataFrame:
    rk = c.ranking() if rk is None else rk
    cur = c.home
    return pd.DataFrame({
        t("business_case.col_driver", lang): [driver_label(k, lang) for k in rk.index],
        t("business_case.col_chapter", lang): [t("business_case.chapter_ref", lang, n=ch) for ch in rk["chapter"]],
        t("business_case.col_rho", lang): [f"{v:+.2f}" for v in rk["rho"]],
        t("business_case.col_share", lang): [percent(v, lang, 0) for v in rk["share"]],
        t("business_case.col_low", lang): [money(v, cur, lang) for v in rk["low"]],
        t("business_case.col_high", lang): [money(v, cur, lang) for v in rk["high"]],
    })


def discipline_table(c: Case, lang: str) -> pd.DataFrame:
    sc = scores(c.ctx.evidence)
    return pd.DataFrame({
        t("business_case.col_kind", lang): [t(f"business_case.kind_{s.kind}", lang) for s in sc],
        t("business_case.col_metric", lang): [t(f"business_case.score_{s.key}", lang) for s in sc],
        t("business_case.col_score", lang): [f"{s.score:.0f}" for s in sc],
        t("business_case.col_evidence", lang): [t(f"business_case.evidence_{s.key}", lang,
                                                  v=(f"{s.measure:.2f}" if s.key == "repeatable" else percent(s.measure, lang, 0)))
                                                for s in sc],
        t("business_case.col_chapter", lang): [t("business_case.chapter_ref", lang, n=s.chapter) for s in sc],
        t("business_case.col_raise", lang): [t(f"business_case.raise_{s.key}", lang) for s in sc],
    })


def actions_table(c: Case, lang: str) -> pd.DataFrame:
    sfx = "zh_TW" if lang == "zh-TW" else "en"
    a = c.ctx.actions
    return pd.DataFrame({
        t("business_case.col_action", lang): [f"{k} · {n}" for k, n in zip(a["task"], a[f"name_{sfx}"])],
        t("business_case.col_owner", lang): a[f"owner_{sfx}"].to_numpy(),
        t("business_case.col_due", lang): [d.isoformat() for d in a["due"]],
    })


def quantiles(x: np.ndarray) -> np.ndarray:
    return bands(x)
