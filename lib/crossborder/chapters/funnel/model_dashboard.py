"""The chapter's dashboard for one market and selection (``assess``), the comparison of the two lead scores on
it, and every market's KPI board. Pure: the scenario, the loaded data and the date are passed in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from crossborder.core import stats
from crossborder.scenario import Scenario

from .data import Data
from .model_customers import channel_economics, tier_summary
from .model_funnel import Selection, _check_selection, stage_counts, window
from .model_kpis import kpi_board
from .model_leads import LeadModel, auc, brier, lead_model, scored_leads
from .section import FunnelSection, Scoring


@dataclass(frozen=True)
class Dashboard:
    """Everything the chapter shows for one market and selection."""

    code: str
    currency: str
    sel: Selection
    section: FunnelSection
    data: Data
    as_of: date
    model: LeadModel
    counts: pd.DataFrame            # by channel
    total: pd.Series                # all channels
    economics: pd.DataFrame
    board: pd.DataFrame
    tiers: pd.DataFrame


def assess(scn: Scenario, data: Data, as_of: date, channel: str, period: int | None = None,
           model: LeadModel | None = None, section: FunnelSection | None = None) -> Dashboard:
    """Compute the chapter's tables for market ``scn.code`` and ``channel`` (``all`` or one channel) over the
    scenario's period (or ``period`` months). Without ``model`` the lead model is fitted on ``data``'s leads;
    ``section`` replaces the scenario's ``funnel`` section (what-if settings)."""
    sec: FunnelSection = scn.funnel if section is None else section
    _check_selection(data, scn.code, channel)
    sel = Selection(scn.code, channel, window(as_of, period or sec.period_months))
    model = lead_model(data.leads, sec.model) if model is None else model
    counts = stage_counts(data, replace(sel, channel="all"), by="channel")
    if channel != "all":
        counts = counts.loc[[channel]]
    total = stage_counts(data, sel).iloc[0]
    return Dashboard(scn.code, scn.exporter.home_currency, sel, sec, data, as_of, model, counts, total,
                     channel_economics(data, sel, sec.ltv), kpi_board(data, sel, sec),
                     tier_summary(data, scn.code, sel.window.end, sec.tiers, sec.confidence))


@dataclass(frozen=True)
class Comparison:
    """How the two scores rank the selection's resolved leads."""

    n: int
    positives: int
    auc_rule: float
    auc_model: float
    brier_model: float
    flagged: int                 # resolved leads at or above the SQL threshold
    rate_rule: tuple[float, float, float]     # quote rate among them (rate, low, high)
    rate_model: tuple[float, float, float]    # among as many leads ranked highest by the model


def compare(db: Dashboard, scoring: Scoring | None = None) -> Comparison:
    """Rule score vs the logistic model (out-of-fold) on the selection's resolved leads: AUC of each, the
    model's Brier score, and the quote rate among the leads the rules flag as SQL against as many leads
    picked by the model (same volume, so the comparison is fair)."""
    s = db.section.scoring if scoring is None else scoring
    leads = scored_leads(db.data, db.sel, s, db.model)
    res = leads[leads["resolved"]]
    y = res["positive"].to_numpy()
    conf = db.section.confidence
    flagged = int((res["score"] >= s.sql_threshold).sum())

    def rate(mask: np.ndarray) -> tuple[float, float, float]:
        k, n = int(y[mask].sum()), int(mask.sum())
        lo, hi = stats.wilson_interval(k, n, conf)
        return (k / n if n else float("nan"), float(lo), float(hi))

    top = np.zeros(len(res), dtype=bool)
    if flagged:
        top[np.argsort(-res["p_oof"].to_numpy(), kind="stable")[:flagged]] = True
    return Comparison(len(res), int(y.sum()), auc(res["score"], y), auc(res["p_oof"], y),
                      brier(res["p_oof"], y) if len(res) else float("nan"), flagged,
                      rate(res["score"].to_numpy() >= s.sql_threshold), rate(top))


def markets_board(data: Data, scenarios: Mapping[str, Scenario], as_of: date,
                  months: int | None = None) -> pd.DataFrame:
    """Every market's KPI board (one row per KPI and market), each over its scenario's period (or ``months``)."""
    parts = []
    for code, scn in scenarios.items():
        sec: FunnelSection = scn.funnel
        sel = Selection(code, "all", window(as_of, months or sec.period_months))
        parts.append(kpi_board(data, sel, sec).assign(market=code))
    return pd.concat(parts)
