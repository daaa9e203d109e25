"""The funnel model: report windows, the selection (market, channel, window), stage counts per window,
stage-to-stage conversions with Wilson intervals and the velocity of the sales stages. Pure: tables in, tables out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from crossborder.core import stats
from crossborder.core.errors import InputError

from .data import COUNT_COLUMNS, TIME_COLUMNS, Data

WEB_STAGES: tuple[str, ...] = ("visitors", "spec_views", "downloads", "inquiries", "samples", "new_customers")
SALES_STAGES: tuple[str, ...] = ("mqls", "sqls", "quotes", "samples", "new_customers", "repeat")
# (stage a customer leaves, stage it enters, the column of mean days spent in between)
VELOCITY: tuple[tuple[str, str, str], ...] = (
    ("mqls", "sqls", "days_mql_sql"), ("sqls", "quotes", "days_sql_quote"),
    ("quotes", "samples", "days_quote_sample"), ("samples", "new_customers", "days_sample_po"),
)
PERIODS: tuple[int, ...] = (3, 6, 12)
TTM = 12                                               # trailing months of the customer KPIs


@dataclass(frozen=True)
class Window:
    """``months`` complete calendar months: from ``start`` (first day) up to ``end`` (exclusive)."""

    start: pd.Timestamp
    end: pd.Timestamp
    months: int

    def previous(self, months: int | None = None) -> Window:
        """The window of the same length ending ``months`` (default: its own length) earlier."""
        shift = self.months if months is None else months
        return Window(self.start - pd.DateOffset(months=shift), self.end - pd.DateOffset(months=shift), self.months)

    def trailing(self, months: int = TTM) -> Window:
        """The ``months`` ending where this window ends."""
        return Window(self.end - pd.DateOffset(months=months), self.end, months)

    def label(self) -> str:
        last = self.end - pd.DateOffset(months=1)
        return f"{self.start:%Y-%m} – {last:%Y-%m}"


def window(as_of: date, months: int) -> Window:
    """The last ``months`` complete months before the month of ``as_of``."""
    if months not in PERIODS:
        raise InputError(f"period: expected one of {', '.join(map(str, PERIODS))} months, found {months!r}")
    end = pd.Timestamp(as_of).normalize().replace(day=1)
    return Window(end - pd.DateOffset(months=months), end, months)


@dataclass(frozen=True)
class Selection:
    """What the dashboard looks at: a market, a channel (or ``all``) and a window."""

    market: str
    channel: str
    window: Window

    def previous(self) -> Selection:
        return replace(self, window=self.window.previous())


def _check_selection(data: Data, market: str, channel: str) -> None:
    if market not in data.markets():
        raise InputError(f"market: expected one with funnel data ({', '.join(data.markets())}), found {market!r}")
    if channel != "all" and channel not in data.channels(market):
        raise InputError(f"channel: expected all or a channel with data in {market} "
                         f"({', '.join(data.channels(market))}), found {channel!r}")


def _rows(df: pd.DataFrame, market: str | None, channel: str) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    if market is not None and market != "all":
        mask &= df["market"] == market
    if channel != "all":
        mask &= df["channel"] == channel
    return mask


def funnel_rows(data: Data, sel: Selection) -> pd.DataFrame:
    """The funnel's rows for the selection's market, channel and window."""
    f = data.funnel
    m = _rows(f, sel.market, sel.channel) & (f["month"] >= sel.window.start) & (f["month"] < sel.window.end)
    return f[m]


def _repeat_counts(data: Data, w: Window, by: str | None, market: str | None, channel: str) -> pd.Series:
    """Accounts won in ``w`` (per ``by`` group, or in total as ``all``) with a second order before its end."""
    c = data.customers
    won = c[_rows(c, market, channel) & (c["since"] >= w.start) & (c["since"] < w.end)]
    o = data.orders
    orders_before = o[o["date"] < w.end].groupby("account_id").size()
    again = (won["account_id"].map(orders_before).fillna(0) >= 2).astype(int)
    if by is None:
        return pd.Series({"all": int(again.sum())})
    return again.groupby(won[by]).sum()


def stage_counts(data: Data, sel: Selection, by: str | None = None) -> pd.DataFrame:
    """Counts per stage over the window, one row per ``by`` group (``market`` or ``channel``) or one row
    ``all``: the stage counts, spend and first-order money summed; each mean-time column averaged over the
    months weighted by the count it is a mean over (``TIME_COLUMNS``); ``repeat`` (accounts won in the window
    that ordered again before its end); and the number of months with data."""
    rows = funnel_rows(data, sel).copy()
    key = by or "_all"
    rows["_all"] = "all"
    sums = [*COUNT_COLUMNS, "spend", "revenue", "gross_margin"]
    for col, base in TIME_COLUMNS.items():
        rows[f"_w_{col}"] = rows[col].fillna(0.0) * rows[base]
    g = rows.groupby(key)
    counts = g[sums + [f"_w_{c}" for c in TIME_COLUMNS]].sum()
    if by is None and counts.empty:
        counts = pd.DataFrame(0.0, index=pd.Index(["all"]), columns=counts.columns)
    for col, base in TIME_COLUMNS.items():
        weighted = counts.pop(f"_w_{col}")
        counts[col] = (weighted / counts[base].where(counts[base] > 0)).astype(float)
    counts["repeat"] = _repeat_counts(data, sel.window, by, sel.market, sel.channel).reindex(counts.index).fillna(0).astype(int)
    counts["months"] = g["month"].nunique().reindex(counts.index).fillna(0).astype(int)
    counts.index.name = by or "group"
    return counts


def conversions(counts: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Stage-to-stage conversion with Wilson intervals for both chains (``stats.stage_conversions``), long
    format with a ``chain`` column (``web`` / ``sales``)."""
    parts = []
    for chain, stages in (("web", WEB_STAGES), ("sales", SALES_STAGES)):
        out = stats.stage_conversions(counts, list(stages), confidence)
        out.insert(0, "chain", chain)
        parts.append(out)
    return pd.concat(parts)


def velocity(counts: pd.DataFrame) -> pd.DataFrame:
    """Mean days in each sales stage (rows as ``counts``, one column per stage transition) and their sum."""
    out = pd.DataFrame({f"{a}_{b}": counts[col] for a, b, col in VELOCITY}, index=counts.index)
    out["total"] = out.sum(axis=1, min_count=len(VELOCITY))
    return out
