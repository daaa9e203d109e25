"""Customers: account activity per window, the yearly margin of a retained customer, unit economics per channel
(CAC, payback, LTV, LTV / CAC via ``core.unit_economics``), tiers and their SLA attainment, cross-selling and
business reviews due. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from crossborder.core import stats
from crossborder.core import unit_economics as ue

from .data import PRODUCT_LINES, Data, known_channels
from .model_funnel import TTM, Selection, Window, stage_counts
from .section import TIERS, Lifetime, TierPolicy


def activity(data: Data, w: Window) -> pd.DataFrame:
    """Per account, over window ``w``: orders, revenue, gross margin, product lines bought; orders before the
    window and in the same length of time before it; and orders up to the window's end. Cached on ``data``
    per window (the tables are read-only once loaded)."""
    key = ("activity", w.start, w.end)
    if key not in data.cache:
        data.cache[key] = _activity(data, w)
    return data.cache[key]


def _activity(data: Data, w: Window) -> pd.DataFrame:
    o = data.orders
    acc = data.customers.set_index("account_id")
    inside = o[(o["date"] >= w.start) & (o["date"] < w.end)]
    prior = o[(o["date"] >= w.start - pd.DateOffset(months=w.months)) & (o["date"] < w.start)]
    g = inside.groupby("account_id")
    out = pd.DataFrame(index=acc.index)
    out["orders"] = g.size().reindex(acc.index, fill_value=0)
    out["revenue"] = g["revenue"].sum().reindex(acc.index, fill_value=0.0)
    out["gross_margin"] = g["gross_margin"].sum().reindex(acc.index, fill_value=0.0)
    out["lines"] = g["product_line"].nunique().reindex(acc.index, fill_value=0)
    out["orders_prior"] = prior.groupby("account_id").size().reindex(acc.index, fill_value=0)
    out["orders_to_end"] = o[o["date"] < w.end].groupby("account_id").size().reindex(acc.index, fill_value=0)
    out["new"] = (acc["since"] >= w.start) & (acc["since"] < w.end)
    out["tenure_start"] = acc["since"] <= w.start
    for c in ("market", "channel", "tier"):
        out[c] = acc[c]
    return out


def margin_per_customer(data: Data, market: str, w_end: pd.Timestamp, min_accounts: int) -> pd.DataFrame:
    """Yearly gross margin of a retained customer per acquisition channel of ``market`` (and ``all``).

    The margin over the 12 months to ``w_end`` of accounts won through the channel at least a year before
    (so a full year is counted) that ordered in that year, averaged. A channel with fewer than
    ``min_accounts`` such accounts takes the average over the market's accounts won through any online
    channel (``pooled`` True); ``all`` is that online average. Accounts won at trade shows or by referral are
    left out: they are not what the online spend buys. With too few online accounts in the market the
    average runs over every market's online accounts.
    """
    year = Window(w_end - pd.DateOffset(months=TTM), w_end, TTM)
    a = activity(data, year)
    base = a[a["tenure_start"] & (a["orders"] > 0) & a["channel"].isin(known_channels())]
    mk = base[base["market"] == market]
    online = mk["gross_margin"].mean() if len(mk) >= min_accounts else base["gross_margin"].mean()
    by = mk.groupby("channel")["gross_margin"].agg(["mean", "size"])
    rows = {}
    for ch in known_channels():
        n = int(by["size"].get(ch, 0))
        pooled = n < min_accounts
        rows[ch] = dict(accounts=n, margin_year=online if pooled else float(by["mean"][ch]), pooled=pooled)
    rows["all"] = dict(accounts=len(mk), margin_year=online, pooled=len(mk) < min_accounts)
    return pd.DataFrame(rows).T.astype({"accounts": int, "margin_year": float, "pooled": bool})


PAYBACK_MONTHS = 36   # the new-customer margin curve (and so payback) runs over at most 36 months


def _months_between(start: pd.Series, end: pd.Series | pd.Timestamp) -> np.ndarray:
    """Whole months from ``start`` to ``end`` (month k since ``start`` is [start + k - 1, start + k months))."""
    s = pd.DatetimeIndex(start)
    e = pd.DatetimeIndex(end) if isinstance(end, pd.Series) else end
    return np.asarray((e.year - s.year) * 12 + (e.month - s.month) - (e.day < s.day).astype(int))


def new_customer_margin(data: Data, market: str, w_end: pd.Timestamp, min_accounts: int,
                        months: int = PAYBACK_MONTHS) -> pd.DataFrame:
    """What a newly won customer earns: C(k), the average cumulative gross margin per account by the end of
    month k = 1 .. ``months`` since it was won (``since``; month 1 holds the first order), per acquisition
    channel of ``market`` (and ``all``: the market's online accounts). Columns 1 .. ``months``, plus
    ``accounts`` (the channel's accounts observed for month 1) and ``pooled``.

    Cohorts and censoring: only accounts won inside the order history (``since`` on or after its first
    order) and before ``w_end`` count, so their whole life is in the data; orders from ``w_end`` on are
    not looked at. Month k of an account is observed only when it has ended by ``w_end``
    (since + k months <= w_end). Month k's average margin is taken over the accounts observed for month k
    (accounts that stopped ordering count with 0: churn is part of what a new customer earns), and C(k) is
    the sum of those monthly averages, so recent cohorts inform the early months and older cohorts the later
    ones (an actuarial, life-table estimate). A month in which fewer than ``min_accounts`` of the channel's
    accounts are observed takes the average of the market's online accounts (``pooled`` when month 1 does),
    and with fewer of those every market's online accounts; where even they are too few, C(k) is NaN and the
    curve ends. Trade-show and referral accounts are left out: they are not what the online spend buys.
    """
    o, c = data.orders, data.customers
    start = o["date"].min() if len(o) else w_end
    c = c[c["channel"].isin(known_channels()) & (c["since"] >= start) & (c["since"] < w_end)]
    c = c.set_index("account_id")
    seen = _months_between(c["since"], w_end)                              # months observed per account
    o = o[(o["date"] < w_end) & o["account_id"].isin(c.index)]
    k = _months_between(c.loc[o["account_id"], "since"].reset_index(drop=True),
                        o["date"].reset_index(drop=True)) + 1
    per = (pd.DataFrame({"a": o["account_id"].to_numpy(), "k": k, "m": o["gross_margin"].to_numpy()})
           .query("1 <= k <= @months").groupby(["a", "k"])["m"].sum().unstack(fill_value=0.0)
           .reindex(index=c.index, columns=range(1, months + 1), fill_value=0.0))
    observed = seen[:, None] >= np.arange(1, months + 1)[None, :]
    margin = np.where(observed, per.to_numpy(float), 0.0)

    def monthly(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = observed[rows].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n >= min_accounts, margin[rows].sum(axis=0) / n, np.nan), n

    everywhere, _ = monthly(np.ones(len(c), bool))
    in_market = (c["market"] == market).to_numpy()
    online, _ = monthly(in_market)
    online = np.where(np.isnan(online), everywhere, online)
    rows = {}
    for ch in (*known_channels(), "all"):
        mine = in_market & ((c["channel"] == ch).to_numpy() if ch != "all" else True)
        own, n = monthly(mine)
        inc = np.where(np.isnan(own), online, own)
        curve = np.cumsum(inc)                  # NaN from the first month without enough accounts on
        rows[ch] = [*curve, int(n[0]) if months else 0, bool(np.isnan(own[0]))]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[*range(1, months + 1), "accounts", "pooled"])
    return out.astype({"accounts": int, "pooled": bool})


def channel_economics(data: Data, sel: Selection, lifetime: Lifetime) -> pd.DataFrame:
    """CAC, payback, LTV and LTV / CAC per channel of the market over the window, and for ``all`` channels.

    CAC and payback come from ``unit_economics.unit_economics``: CAC = spend / new customers; payback = the
    first month in which a new customer's average cumulative margin (``new_customer_margin``, up to 36
    months since acquisition) reaches CAC, interpolated within the month; NaN (``pays_back`` False) when it
    does not within the months observed (``payback_horizon``). LTV comes from ``unit_economics.ltv``: the
    first year is what a new customer earns in its first 12 months (``margin_first_year``), later years the
    yearly margin of a retained customer (``margin_per_customer``), with the scenario's yearly retention,
    discount rate and horizon.
    """
    counts = stage_counts(data, replace(sel, channel="all"), by="channel")
    total = stage_counts(data, replace(sel, channel="all"))
    total.index = pd.Index(["all"], name="channel")
    counts = pd.concat([counts, total])
    if sel.channel != "all":
        counts = counts.loc[[sel.channel, "all"]]
    margin = margin_per_customer(data, sel.market, sel.window.end, lifetime.min_accounts).reindex(counts.index)
    curve = new_customer_margin(data, sel.market, sel.window.end, lifetime.min_accounts).reindex(counts.index)
    cum = curve[list(range(1, PAYBACK_MONTHS + 1))].to_numpy(float)
    u = ue.unit_economics(counts["spend"], counts["new_customers"], cum)
    first_year = cum[:, TTM - 1]
    mature = margin["margin_year"].to_numpy()
    ltv = ue.ltv(mature, lifetime.retention, lifetime.discount_rate, lifetime.horizon_years,
                 first_period_margin=np.where(np.isnan(first_year), mature, first_year))
    out = pd.DataFrame({
        "spend": counts["spend"], "new_customers": counts["new_customers"], "cac": u.cac,
        "first_order_revenue": counts["revenue"], "first_order_margin": counts["gross_margin"],
        "margin_first_year": first_year, "margin_year": margin["margin_year"], "pooled": margin["pooled"],
        "accounts": margin["accounts"], "new_accounts": curve["accounts"], "new_pooled": curve["pooled"],
        "payback_months": u.payback_months, "pays_back": u.pays_back, "payback_horizon": u.horizon,
        "ltv": ltv, "ltv_to_cac": ue.ltv_to_cac(ltv, u.cac),
    }, index=counts.index)
    return out


def tier_summary(data: Data, market: str, w_end: pd.Timestamp, tiers: Mapping[str, TierPolicy],
                 confidence: float = 0.95) -> pd.DataFrame:
    """Per tier of ``market`` over the 12 months to ``w_end``: active accounts, revenue, gross margin and its
    rate, product lines per account, SLA attainment (requests answered within the tier's SLA over the 12
    months of the service extract, Wilson interval) against its target, and joint-development projects."""
    year = Window(w_end - pd.DateOffset(months=TTM), w_end, TTM)
    a = activity(data, year)
    a = a[(a["market"] == market)]
    c = data.customers.set_index("account_id").loc[a.index]
    active = a["orders"] > 0
    rows = {}
    for tier in TIERS:
        sel = (a["tier"] == tier)
        act = sel & active
        req = int(c.loc[sel, "requests_12m"].sum())
        within = int(c.loc[sel, "within_sla_12m"].sum())
        low, high = stats.wilson_interval(within, req, confidence)
        rev, mar = float(a.loc[act, "revenue"].sum()), float(a.loc[act, "gross_margin"].sum())
        rows[tier] = dict(accounts=int(sel.sum()), active=int(act.sum()), revenue=rev, gross_margin=mar,
                          margin_rate=mar / rev if rev else np.nan,
                          lines=float(a.loc[act, "lines"].mean()) if act.any() else np.nan,
                          requests=req, within=within, attainment=within / req if req else np.nan,
                          low=float(low), high=float(high), sla_hours=tiers[tier].sla_hours,
                          sla_target=tiers[tier].sla_target, qbr_every_months=tiers[tier].qbr_every_months,
                          joint=int((c.loc[sel, "joint_development"] != "none").sum()))
    out = pd.DataFrame(rows).T
    total = out["revenue"].sum()
    out["revenue_share"] = out["revenue"] / total if total else np.nan
    return out


def cross_sell(data: Data, market: str, w_end: pd.Timestamp) -> pd.DataFrame:
    """Share of the market's active accounts (ordered in the 12 months to ``w_end``) buying each product line,
    by tier and for all tiers."""
    year = Window(w_end - pd.DateOffset(months=TTM), w_end, TTM)
    o = data.orders
    o = o[(o["market"] == market) & (o["date"] >= year.start) & (o["date"] < year.end)]
    bought = pd.crosstab(o["account_id"], o["product_line"]).reindex(columns=list(PRODUCT_LINES), fill_value=0) > 0
    tier = data.customers.set_index("account_id").loc[bought.index, "tier"]
    by = bought.groupby(tier).mean().reindex(list(TIERS))
    by.loc["all"] = bought.mean()
    by["accounts"] = pd.concat([tier.value_counts().reindex(list(TIERS)), pd.Series({"all": len(bought)})])
    return by


def qbrs_due(data: Data, market: str, as_of: date, tiers: Mapping[str, TierPolicy], lookahead_days: int) -> pd.DataFrame:
    """Active accounts of tiers with business reviews whose next review (last review + the tier's interval;
    never held: due now) falls before ``as_of`` + ``lookahead_days``, the most overdue first."""
    when = pd.Timestamp(as_of)
    c = data.customers
    c = c[(c["market"] == market)].copy()
    every = c["tier"].map({k: v.qbr_every_months for k, v in tiers.items()})
    c = c[every > 0]
    every = every[c.index]
    o = data.orders
    last_order = o[o["date"] <= when].groupby("account_id")["date"].max()
    c["last_order"] = c["account_id"].map(last_order)
    c = c[c["last_order"] >= when - pd.DateOffset(months=TTM)]
    every = every[c.index]
    due = [lq + pd.DateOffset(months=int(m)) if pd.notna(lq) else when for lq, m in zip(c["last_qbr"], every)]
    c["due"] = pd.to_datetime(pd.Series(due, index=c.index))
    c["days"] = (c["due"] - when).dt.days
    c = c[c["due"] <= when + pd.Timedelta(days=lookahead_days)]
    c["status"] = np.where(c["last_qbr"].isna(), "never",
                           np.where(c["days"] < 0, "overdue", np.where(c["days"] == 0, "today", "due")))
    return c.sort_values(["days", "account_id"])
