"""The KPI board: every KPI of ``data/kpis.csv`` computed over a selection (``KPI_FUNCTIONS``, one per name in
``section.KPI_NAMES``), its attainment against the market's target, RAG status and trend against the previous
window; how far each KPI can worsen before it turns red, and the board with values replaced. Pure."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from crossborder.core import stats
from crossborder.core.errors import InputError

from .data import COUNT_COLUMNS, TIME_COLUMNS, Data
from .model_customers import activity, channel_economics
from .model_funnel import Selection, _rows, stage_counts
from .section import KPI_NAMES, FunnelSection

STATUSES: tuple[str, ...] = ("green", "amber", "red", "grey")


@dataclass(frozen=True)
class KpiValue:
    """A KPI's value over a selection, with its base count and (for shares) Wilson interval; ``never`` marks a
    cost that can never be earned back (spend without a customer won)."""

    value: float
    n: float = float("nan")
    low: float = float("nan")
    high: float = float("nan")
    never: bool = False


@dataclass
class Context:
    """What KPI functions read: the data, the selection, the section, and cached aggregates."""

    data: Data
    sel: Selection
    section: FunnelSection
    _cache: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> pd.Series:
        if "counts" not in self._cache:
            c = stage_counts(self.data, self.sel)
            self._cache["counts"] = c.iloc[0] if len(c) else pd.Series(0.0, index=[*COUNT_COLUMNS, "spend", "months"])
        return self._cache["counts"]

    def year(self) -> pd.DataFrame:
        """Account activity over the 12 months to the window's end, in the selection."""
        if "year" not in self._cache:
            a = activity(self.data, self.sel.window.trailing())
            self._cache["year"] = a[_rows(a, self.sel.market, self.sel.channel)]
        return self._cache["year"]

    def economics(self) -> pd.Series:
        if "econ" not in self._cache:
            self._cache["econ"] = channel_economics(self.data, self.sel, self.section.ltv).loc[self.sel.channel]
        return self._cache["econ"]

    def confidence(self) -> float:
        return self.section.confidence


def _share(k: float, n: float, confidence: float) -> KpiValue:
    low, high = stats.wilson_interval(k, n, confidence)
    return KpiValue(k / n if n else float("nan"), n, float(low), float(high))


def _per_month(col: str) -> Callable[[Context], KpiValue]:
    def f(ctx: Context) -> KpiValue:
        c = ctx.counts()
        months = ctx.sel.window.months
        return KpiValue(float(c[col]) / months, float(c[col]))
    f.__doc__ = f"{col} per month over the window"
    return f


def _rate(k: str, n: str) -> Callable[[Context], KpiValue]:
    def f(ctx: Context) -> KpiValue:
        c = ctx.counts()
        return _share(float(c[k]), float(c[n]), ctx.confidence())
    f.__doc__ = f"{k} / {n} over the window, Wilson interval"
    return f


def _mean_time(col: str) -> Callable[[Context], KpiValue]:
    def f(ctx: Context) -> KpiValue:
        c = ctx.counts()
        return KpiValue(float(c[col]), float(c[TIME_COLUMNS[col]]))
    f.__doc__ = f"{col}, weighted by {TIME_COLUMNS[col]}"
    return f


def _cac(ctx: Context) -> KpiValue:
    e = ctx.economics()
    return KpiValue(float(e["cac"]), float(e["new_customers"]), never=bool(e["spend"] > 0 and e["new_customers"] == 0))


def _payback(ctx: Context) -> KpiValue:
    e = ctx.economics()
    return KpiValue(float(e["payback_months"]), float(e["new_customers"]), never=not bool(e["pays_back"]) and e["spend"] > 0)


def _ltv_to_cac(ctx: Context) -> KpiValue:
    e = ctx.economics()
    return KpiValue(float(e["ltv_to_cac"]), float(e["new_customers"]), never=bool(e["spend"] > 0 and e["new_customers"] == 0))


def _on_time(ctx: Context) -> KpiValue:
    o = ctx.data.orders
    w = ctx.sel.window
    o = o[_rows(o, ctx.sel.market, ctx.sel.channel) & (o["promised"] >= w.start) & (o["promised"] < w.end)]
    due = o["delivered"].notna() | (o["promised"] < w.end)
    late = o["delivered"].isna() | (o["delivered"] > o["promised"])
    return _share(float((due & ~late).sum()), float(due.sum()), ctx.confidence())


def _new_share(ctx: Context) -> KpiValue:
    a = ctx.year()
    act = a["orders"] > 0
    return _share(float((act & a["new"]).sum()), float(act.sum()), ctx.confidence())


def _repeat(ctx: Context) -> KpiValue:
    a = ctx.year()
    act = a["orders"] > 0
    return _share(float((act & (a["orders_to_end"] >= 2)).sum()), float(act.sum()), ctx.confidence())


def _cross_sell(ctx: Context) -> KpiValue:
    a = ctx.year()
    act = a[a["orders"] > 0]
    return KpiValue(float(act["lines"].mean()) if len(act) else float("nan"), float(len(act)))


def _churn(ctx: Context) -> KpiValue:
    a = ctx.year()
    before = a["orders_prior"] > 0
    return _share(float((before & (a["orders"] == 0)).sum()), float(before.sum()), ctx.confidence())


def _sla(ctx: Context) -> KpiValue:
    c = ctx.data.customers
    c = c[_rows(c, ctx.sel.market, ctx.sel.channel)]
    return _share(float(c["within_sla_12m"].sum()), float(c["requests_12m"].sum()), ctx.confidence())


def _market_share(ctx: Context) -> KpiValue:
    total = float(activity(ctx.data, ctx.sel.window.trailing())["revenue"].sum())     # every market, every channel
    return KpiValue(float(ctx.year()["revenue"].sum()) / total if total else float("nan"), total)


def _margin_rate(ctx: Context) -> KpiValue:
    a = ctx.year()
    rev = float(a["revenue"].sum())
    return KpiValue(float(a["gross_margin"].sum()) / rev if rev else float("nan"), rev)


# KPI id -> its computation. kpis.csv lists which are shown, with names, formulas in words, units, direction.
KPI_FUNCTIONS: dict[str, Callable[[Context], KpiValue]] = {
    "impressions": _per_month("impressions"),
    "visitors": _per_month("visitors"),
    "form_conversion": _rate("downloads", "visitors"),
    "mqls": _per_month("mqls"),
    "cac": _cac,
    "payback_months": _payback,
    "inquiry_response_hours": _mean_time("hours_first_response"),
    "mql_to_sql": _rate("sqls", "mqls"),
    "quote_turnaround_days": _mean_time("days_quote_turnaround"),
    "quote_hit_rate": _rate("new_customers", "quotes"),
    "sample_pass_rate": _rate("samples_passed", "samples"),
    "inquiry_to_po_days": _mean_time("days_inquiry_to_po"),
    "on_time_delivery": _on_time,
    "new_customer_share": _new_share,
    "repeat_rate": _repeat,
    "cross_sell": _cross_sell,
    "churn_rate": _churn,
    "sla_attainment": _sla,
    "ltv_to_cac": _ltv_to_cac,
    "market_share_of_sales": _market_share,
    "gross_margin_rate": _margin_rate,
}
if tuple(KPI_FUNCTIONS) != KPI_NAMES:   # the section validates targets against the names: keep both in step
    raise RuntimeError("model_kpis.KPI_FUNCTIONS and section.KPI_NAMES list different KPIs")
# KPIs whose data do not move with the window (the service extract covers one fixed year): no trend.
NO_TREND: frozenset[str] = frozenset({"sla_attainment"})


def kpi_values(data: Data, sel: Selection, section: FunnelSection, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every KPI of the definitions over the selection: value, base count, interval, and ``never``."""
    kpis = data.kpis if kpis is None else kpis
    ctx = Context(data, sel, section)
    rows = {k: KPI_FUNCTIONS[k](ctx).__dict__ for k in kpis.index}
    return pd.DataFrame(rows).T.astype({"value": float, "n": float, "low": float, "high": float, "never": bool})


def attainment(value: ArrayLike, target: ArrayLike, better: ArrayLike) -> np.ndarray:
    """value / target where higher is better, target / value where lower is better (vectorized)."""
    v = np.asarray(value, dtype=float)
    tg = np.asarray(target, dtype=float)
    hi = np.asarray(better) == "higher"
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(hi, v / tg, tg / v)
        a = np.where(hi & (tg == 0), np.where(v >= 0, np.inf, 0.0), a)
        a = np.where(~hi & (v == 0), np.inf, a)
    return np.where(np.isnan(v), np.nan, a)


def rag(value: ArrayLike, target: ArrayLike, better: ArrayLike, amber_band: float,
        never: ArrayLike | None = None) -> np.ndarray:
    """green (attainment >= 1), amber (>= 1 - amber_band), red, or grey (no value); ``never`` is red."""
    a = attainment(value, target, better)
    out = np.where(a >= 1, "green", np.where(a >= 1 - amber_band, "amber", "red")).astype(object)
    out[np.isnan(a)] = "grey"
    if never is not None:
        out[np.asarray(never, dtype=bool)] = "red"
    return out


def trend(now: ArrayLike, before: ArrayLike, better: ArrayLike, flat: float) -> np.ndarray:
    """``better`` / ``worse`` / ``flat`` (relative change below ``flat``) / ``none`` (no earlier value)."""
    n = np.asarray(now, dtype=float)
    b = np.asarray(before, dtype=float)
    up = np.asarray(better) == "higher"
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(b != 0, (n - b) / np.abs(b), np.where(n == b, 0.0, np.sign(n - b) * np.inf))
    good = np.where(up, change > 0, change < 0)
    out = np.where(np.abs(change) < flat, "flat", np.where(good, "better", "worse")).astype(object)
    out[np.isnan(n) | np.isnan(b)] = "none"
    return out


def kpi_board(data: Data, sel: Selection, section: FunnelSection, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every KPI against its target with RAG status and its trend against the previous window."""
    kpis = data.kpis if kpis is None else kpis
    missing = [k for k in kpis.index if k not in section.targets]
    if missing:
        raise InputError("scenario key 'funnel.targets': expected a target for every KPI of the definitions "
                         f"(kpis.csv), missing: {', '.join(missing)}")
    now = kpi_values(data, sel, section, kpis)
    before = kpi_values(data, sel.previous(), section, kpis)
    before.loc[before.index.isin(NO_TREND), "value"] = np.nan
    out = kpis[["layer", "unit", "better"]].copy()
    out[["value", "n", "low", "high", "never"]] = now[["value", "n", "low", "high", "never"]]
    out["target"] = [section.targets[k] for k in out.index]
    out["attainment"] = attainment(out["value"], out["target"], out["better"])
    out["status"] = rag(out["value"], out["target"], out["better"], section.amber_band, out["never"])
    out["previous"] = before["value"]
    out["trend"] = trend(out["value"], out["previous"], out["better"], section.trend_flat)
    return out


def red_line(target: ArrayLike, better: ArrayLike, amber_band: float) -> np.ndarray:
    """The value at which a KPI turns red under ``rag``: below target x (1 - band) where higher is better,
    above target / (1 - band) where lower is better (the line itself is still amber)."""
    tg = np.asarray(target, dtype=float)
    hi = np.asarray(better) == "higher"
    return np.where(hi, tg * (1 - amber_band), tg / (1 - amber_band))


def kpi_headroom(board: pd.DataFrame, amber_band: float) -> pd.DataFrame:
    """How far each KPI of the board can worsen before it turns red: ``room`` in its own unit and ``room_rel``
    relative to its value (the share it may fall, or rise where lower is better); 0 for a KPI that is red
    already, inf when it cannot turn red, NaN without a value. The smallest relative room first: if every
    KPI worsened by the same percentage, the first row turns red first."""
    v = board["value"].to_numpy(float)
    line = red_line(board["target"], board["better"], amber_band)
    hi = board["better"].to_numpy() == "higher"
    room = np.where(hi, v - line, line - v)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(hi, np.where(line > 0, 1 - line / v, np.inf), line / v - 1)
    red = board["status"].to_numpy() == "red"
    room = np.where(red, 0.0, room)
    rel = np.where(red, 0.0, np.where(hi & (v <= 0) & (line > 0), 0.0, rel))
    out = board[["layer", "unit", "better", "value", "target", "status", "attainment"]].copy()
    out["red_at"], out["room"], out["room_rel"] = line, room, rel
    out.loc[np.isnan(v), ["room", "room_rel"]] = np.nan
    return out.sort_values(["room_rel", "attainment"], kind="stable", na_position="last")


def board_what_if(board: pd.DataFrame, values: Mapping[str, float], amber_band: float) -> pd.DataFrame:
    """The board with some KPI values replaced; attainment and status recomputed with ``attainment``/``rag``."""
    unknown = sorted(set(values) - set(board.index))
    if unknown:
        raise InputError(f"values: expected KPIs of the board ({', '.join(board.index)}); "
                         f"unknown: {', '.join(unknown)}")
    out = board.copy()
    for k, x in values.items():
        out.at[k, "value"] = float(x)
        out.at[k, "never"] = False if math.isfinite(float(x)) else out.at[k, "never"]
    out["attainment"] = attainment(out["value"], out["target"], out["better"])
    out["status"] = rag(out["value"], out["target"], out["better"], amber_band, out["never"])
    return out
