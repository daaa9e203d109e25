"""Helpers of the chapter's workshop exercises (cells tagged ``exercise`` / ``solution``): the worked answers
and their tables and notes. When do two channels' conversion rates separate; which MQL threshold matches the
logistic model's expected quotes; how a drop in retention moves LTV / CAC; how far each KPI is from red and
what a slip in quote turnaround does."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from crossborder.core import stats
from crossborder.core import unit_economics as ue
from crossborder.core.errors import InputError
from crossborder.core.fmt import DASH, number, percent, points
from crossborder.core.i18n import t

from .model_customers import channel_economics
from .model_dashboard import Dashboard
from .model_funnel import conversions
from .model_kpis import board_what_if, kpi_headroom
from .model_leads import scored_leads, volumes
from .present import _nowrap, _series_labels, _short_interval, _transition, channel_label, kpi_name, kpi_text
from .section import Scoring


def months_to_separate(converted_a: float, entered_a: float, converted_b: float, entered_b: float, months: int,
                       confidence: float = 0.95, cap: int = 600) -> float:
    """Whole months of data after which the Wilson intervals of two conversion rates stop overlapping, if both
    keep their current rates and monthly volumes (every count scales by M / ``months``).

    The upper Wilson bound of a rate falls and the lower bound rises as its base grows with the rate fixed, so
    the overlap shrinks monotonically and a bisection over whole months finds the first M that separates.
    Returns ``months`` when the intervals are separate already and ``inf`` for equal rates or beyond ``cap``.
    """
    if months < 1 or min(entered_a, entered_b) <= 0:
        raise InputError(f"months_to_separate: expected months >= 1 and both bases > 0, found months={months}, "
                         f"bases {entered_a:g} and {entered_b:g}")

    def apart(m: int) -> bool:
        f = m / months
        lo, hi = stats.wilson_interval(np.array([converted_a, converted_b]) * f,
                                       np.array([entered_a, entered_b]) * f, confidence)
        return bool(lo[0] > hi[1] or lo[1] > hi[0])

    if apart(months):
        return float(months)
    if converted_a * entered_b == converted_b * entered_a or not apart(cap):
        return float("inf")
    lo, hi = months, cap                      # lo overlaps, hi is apart
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if apart(mid) else (mid, hi)
    return float(hi)


def separation(counts: pd.DataFrame, months: int, confidence: float = 0.95) -> pd.DataFrame:
    """Every pair of rows of ``counts`` (channels) on every step of both chains whose conversion rates differ
    while their Wilson intervals overlap, with the months of data it would take to tell them apart
    (``months_to_separate``); the widest gap between the point estimates first (then the larger bases)."""
    conv = conversions(counts, confidence).rename_axis("group").reset_index()
    conv = conv[conv["entered"] > 0]
    keys = ["chain", "from_stage", "to_stage"]
    pairs = conv.merge(conv, on=keys, suffixes=("_a", "_b"))
    pairs = pairs[pairs["group_a"].astype(str) < pairs["group_b"].astype(str)]
    swap = pairs["rate_a"] < pairs["rate_b"]                 # a: the higher rate
    for col in ("group", "entered", "converted", "rate", "low", "high"):
        a, b = pairs[f"{col}_a"].copy(), pairs[f"{col}_b"].copy()
        pairs.loc[swap, f"{col}_a"], pairs.loc[swap, f"{col}_b"] = b[swap], a[swap]
    pairs["gap"] = pairs["rate_a"] - pairs["rate_b"]
    pairs = pairs[(pairs["gap"] > 0) & (pairs["low_a"] <= pairs["high_b"])]
    # samples -> first PO belongs to both chains: one row per step and pair
    pairs = pairs.drop_duplicates(["from_stage", "to_stage", "group_a", "group_b"]).copy()
    pairs["bases"] = pairs["entered_a"] + pairs["entered_b"]
    pairs["months_needed"] = [months_to_separate(ka, na, kb, nb, months, confidence) for ka, na, kb, nb in
                              zip(pairs["converted_a"], pairs["entered_a"], pairs["converted_b"], pairs["entered_b"])]
    pairs = pairs.sort_values(["gap", "bases"], ascending=[False, False], kind="stable")
    cols = [*keys, "group_a", "converted_a", "entered_a", "rate_a", "low_a", "high_a",
            "group_b", "converted_b", "entered_b", "rate_b", "low_b", "high_b", "gap", "months_needed"]
    return pairs[cols].reset_index(drop=True)


@dataclass(frozen=True)
class VolumeMatch:
    """The MQL threshold at which the rules pass as many MQLs a month as the logistic model expects quotes."""

    leads_per_month: float     # the funnel's leads (downloads) per month in the window
    expected: float            # quotes a month the model expects: mean P(quote) of the window's leads x leads a month
    threshold: float           # the highest threshold passing at least ``expected`` MQLs a month
    per_month: float           # MQLs a month at ``threshold``
    next_threshold: float      # the next higher score (NaN when there is none)
    next_per_month: float      # MQLs a month there: fewer than ``expected``
    current: float             # MQLs a month at the scenario's threshold
    resolved: int              # resolved leads at or above ``threshold`` ...
    quoted: int                # ... and how many of them reached a quote
    base_rate: float           # share of all resolved leads of the window that reached a quote


def volume_match(db: Dashboard, scoring: Scoring | None = None) -> VolumeMatch:
    """Match the rule score's MQL volume to the model's expected quotes.

    The logistic model gives each lead of the window its probability p_i of reaching a quote, so the expected
    number of quotes among them is sum p_i (the mean of p_i times the leads a month, as ``volumes`` scales the
    sample). The MQL volume only changes at the leads' distinct scores; the answer is the highest of them at
    which MQLs a month (``volumes``' estimate) are still at least the expected quotes.
    """
    s = db.section.scoring if scoring is None else scoring
    leads = scored_leads(db.data, db.sel, s, db.model)
    if leads.empty:
        raise InputError(f"volume_match: no leads of {db.code} ({db.sel.channel}) were created in "
                         f"{db.sel.window.label()}")
    v = volumes(db.data, db.sel, s, db.section.confidence)
    lpm = float(v.at["lead", "per_month"])
    expected = float(leads["p_fitted"].mean()) * lpm
    score = leads["score"].to_numpy(float)
    cands = np.unique(score)                                    # ascending
    per_month = (score[None, :] >= cands[:, None]).mean(axis=1) * lpm
    i = int(np.flatnonzero(per_month >= expected - 1e-9).max())
    above = leads[(leads["score"] >= cands[i]) & leads["resolved"]]
    res = leads[leads["resolved"]]
    return VolumeMatch(lpm, expected, float(cands[i]), float(per_month[i]),
                       float(cands[i + 1]) if i + 1 < len(cands) else float("nan"),
                       float(per_month[i + 1]) if i + 1 < len(cands) else 0.0, float(v.at["mql", "per_month"]),
                       len(above), int(above["positive"].sum()),
                       float(res["positive"].mean()) if len(res) else float("nan"))


def with_mql_threshold(s: Scoring, threshold: float) -> Scoring:
    """The scoring with another MQL threshold (the SQL threshold raised to it when it was lower)."""
    x = float(threshold)
    return s.model_copy(update={"mql_threshold": x, "sql_threshold": max(s.sql_threshold, x)})


def breakeven_retention(margin_year: ArrayLike, cac: ArrayLike, target: float, discount_rate: float,
                        horizon_years: int | None = None, first_year_margin: ArrayLike | None = None) -> np.ndarray:
    """The yearly retention r* at which LTV / CAC equals ``target`` (vectorized over channels).

    LTV(r) = m_0 + sum_{t>=1} m r^t / (1 + d)^t (``unit_economics.ltv``; m_0 = ``first_year_margin``, a new
    customer's first 12 months, else m) rises with r, so LTV(r*) = target x CAC is
    solved by bisection (60 halvings). 0 where the first year's margin alone reaches the target; NaN where
    no retention does (up to 1, or up to just below 1 + d without a horizon) or there is no CAC.
    """
    m = np.asarray(margin_year, dtype=float)
    need = target * np.asarray(cac, dtype=float)
    m0 = m if first_year_margin is None else np.asarray(first_year_margin, dtype=float)
    m, need, m0 = np.broadcast_arrays(m, need, m0)
    top = 1.0 if horizon_years else min(1.0, 1.0 + discount_rate) - 1e-9
    lo, hi = np.zeros(m.shape), np.full(m.shape, top)
    for _ in range(60):
        mid = (lo + hi) / 2
        short = ue.ltv(m, mid, discount_rate, horizon_years, m0) < need
        lo, hi = np.where(short, mid, lo), np.where(short, hi, mid)
    out = hi.copy()
    out[ue.ltv(m, 0.0, discount_rate, horizon_years, m0) >= need] = 0.0
    out[(ue.ltv(m, top, discount_rate, horizon_years, m0) < need) | ~np.isfinite(need) | ~np.isfinite(m)] = np.nan
    return out


def retention_stress(db: Dashboard, drop: float = 0.10) -> pd.DataFrame:
    """Per channel (and ``all``): LTV / CAC now and with the yearly retention ``drop`` lower (recomputed with
    ``channel_economics``), the break-even retention for the market's LTV / CAC target
    (``breakeven_retention``) and the headroom r - r*; ``falls_below`` marks a channel at or above the
    target now and below it after the drop. Beside them each channel's CAC and yearly margin relative to all
    channels: which of the two makes a weak channel weak."""
    if not 0 <= drop <= 1:
        raise InputError(f"drop: expected a fall in retention from 0 to 1 (e.g. 0.10 for 10 points), found {drop!r}")
    lt = db.section.ltv
    target = float(db.section.targets.get("ltv_to_cac", 3.0))
    e = db.economics
    low = lt.model_copy(update={"retention": max(lt.retention - drop, 0.0)})
    after = channel_economics(db.data, db.sel, low)["ltv_to_cac"].reindex(e.index)
    first = e["margin_first_year"].fillna(e["margin_year"])       # as channel_economics: mature when unobserved
    r_star = breakeven_retention(e["margin_year"], e["cac"], target, lt.discount_rate, lt.horizon_years, first)
    out = pd.DataFrame({
        "cac": e["cac"], "margin_year": e["margin_year"], "ltv_to_cac": e["ltv_to_cac"], "after": after,
        "breakeven": r_star, "headroom": lt.retention - r_star,
        "cac_vs_all": e["cac"] / e.at["all", "cac"], "margin_vs_all": e["margin_year"] / e.at["all", "margin_year"],
    }, index=e.index)
    out["falls_below"] = (out["ltv_to_cac"] >= target) & (out["after"] < target)
    return out


# The quote lies on every path from inquiry to purchase order: a quote that goes out later delays the PO too.
QUOTE_PATH: tuple[str, ...] = ("quote_turnaround_days", "inquiry_to_po_days")


def quote_slip(db: Dashboard, days: float) -> pd.DataFrame:
    """What a slip of ``days`` in quote turnaround does to the KPIs on the quote's path (``QUOTE_PATH``): each
    adds the days (win rates held as they are). Value and status before and after, the red line, and the
    days of slip that turn each red (0: red already); the first to turn red first."""
    b = db.board
    kpis = [k for k in QUOTE_PATH if k in b.index and math.isfinite(float(b.at[k, "value"]))]
    after = board_what_if(b, {k: float(b.at[k, "value"]) + days for k in kpis}, db.section.amber_band)
    room = kpi_headroom(b, db.section.amber_band)
    out = pd.DataFrame({"value": b.loc[kpis, "value"], "target": b.loc[kpis, "target"], "status": b.loc[kpis, "status"],
                        "slipped": after.loc[kpis, "value"], "status_after": after.loc[kpis, "status"],
                        "red_at": room.loc[kpis, "red_at"], "days_to_red": room.loc[kpis, "room"]}, index=kpis)
    return out.sort_values("days_to_red", kind="stable")


# ------------------------------------------------------------------------------------- tables and notes

def _step(row: pd.Series, lang: str) -> str:
    return _transition(row["from_stage"], row["to_stage"], lang)


def _group_label(group: str, lang: str) -> str:
    return t("funnel.all_channels", lang) if group == "all" else channel_label(group, lang)


def _months_text(m: float, lang: str) -> str:
    return t("funnel.months_beyond", lang) if not math.isfinite(m) else t("funnel.unit_months", lang, x=number(m, lang))


def separation_table(sep: pd.DataFrame, lang: str, limit: int = 6) -> pd.DataFrame | str:
    """The pairs of ``separation`` (widest gap first): step, the two channels with k / n and rate, months needed."""
    if sep.empty:
        return ""
    s = sep.head(limit)

    def rate(g: str, k: float, n: float, r: float) -> str:
        return t("funnel.pair_rate", lang, name=_group_label(g, lang), rate=percent(r, lang, 0), k=number(k, lang),
                 n=number(n, lang))
    return pd.DataFrame({
        t("funnel.col_step", lang): [_step(r, lang) for _, r in s.iterrows()],
        t("funnel.col_higher", lang): [rate(g, k, n, r) for g, k, n, r in
                                       zip(s["group_a"], s["converted_a"], s["entered_a"], s["rate_a"])],
        t("funnel.col_lower", lang): [rate(g, k, n, r) for g, k, n, r in
                                      zip(s["group_b"], s["converted_b"], s["entered_b"], s["rate_b"])],
        t("funnel.col_months_needed", lang): [_months_text(m, lang) for m in s["months_needed"]],
    })


def separation_note(sep: pd.DataFrame, months: int, lang: str) -> str:
    """The answer in words: the widest gap whose intervals still overlap, and when it would be clear."""
    if sep.empty:
        return t("funnel.separation_none", lang, months=months)
    r = sep.iloc[0]
    m = float(r["months_needed"])
    return t("funnel.separation_note", lang, step=_step(r, lang), a=_group_label(r["group_a"], lang),
             b=_group_label(r["group_b"], lang), ra=percent(r["rate_a"], lang, 0), rb=percent(r["rate_b"], lang, 0),
             ka=number(r["converted_a"], lang), na=number(r["entered_a"], lang), kb=number(r["converted_b"], lang),
             nb=number(r["entered_b"], lang), months=months, needed=_months_text(m, lang),
             extra=_months_text(m - months, lang))


def volume_match_note(vm: VolumeMatch, s: Scoring, lang: str, confidence: float = 0.95) -> str:
    low, high = stats.wilson_interval(vm.quoted, vm.resolved, confidence)
    rate = (t("funnel.rate_with_interval", lang, rate=percent(vm.quoted / vm.resolved, lang, 0),
              interval=_short_interval(float(low), float(high), lang), n=vm.resolved) if vm.resolved else DASH)
    nxt = (t("funnel.match_next", lang, x=f"{vm.next_threshold:g}", n=number(vm.next_per_month, lang, 1))
           if math.isfinite(vm.next_threshold) else "")
    return t("funnel.match_note", lang, leads=number(vm.leads_per_month, lang, 1),
             expected=number(vm.expected, lang, 1),
             x=f"{vm.threshold:g}", n=number(vm.per_month, lang, 1), next=nxt, current=f"{s.mql_threshold:g}",
             current_n=number(vm.current, lang, 1), rate=rate, base=percent(vm.base_rate, lang, 0))


def retention_stress_table(st: pd.DataFrame, db: Dashboard, lang: str, drop: float = 0.10) -> pd.DataFrame:
    """Per channel: LTV / CAC now and after the drop, break-even retention and headroom, and CAC and yearly
    margin against all channels (``retention_stress``)."""
    r = db.section.ltv.retention

    def r_star(x: float) -> str:
        if not math.isfinite(x):
            return t("funnel.unreachable", lang)
        return percent(x, lang, 1 if 0.99 < x < 1 else 0)         # just under 100 % is not 100 %

    def room(x: float) -> str:
        return points(x, lang, 0)

    def ratio(x: float) -> str:
        return kpi_text(x, "ratio", lang) if math.isfinite(x) else t("funnel.no_customer", lang)
    return pd.DataFrame({
        t("funnel.col_channel", lang): _series_labels(st.index, lang),
        t("funnel.col_ltv_cac_at", lang, r=percent(r, lang, 0)): [ratio(x) for x in st["ltv_to_cac"]],
        t("funnel.col_ltv_cac_at", lang, r=percent(max(r - drop, 0.0), lang, 0)): [ratio(x) for x in st["after"]],
        t("funnel.col_breakeven", lang): [r_star(x) for x in st["breakeven"]],
        t("funnel.col_headroom", lang): [room(x) for x in st["headroom"]],
        t("funnel.col_cac_vs_all", lang): [percent(x, lang, 0) for x in st["cac_vs_all"]],
        t("funnel.col_margin_vs_all", lang): [percent(x, lang, 0) for x in st["margin_vs_all"]],
    })


def retention_stress_note(st: pd.DataFrame, db: Dashboard, lang: str, drop: float = 0.10) -> str:
    """The answer in words: which channels fall below the target, which were below it already, and where the
    weakest channel's problem lies (CAC or margin)."""
    target = float(db.section.targets.get("ltv_to_cac", 3.0))
    sep = "、" if lang == "zh-TW" else ", "
    ch = st.drop(index="all", errors="ignore")
    ch = ch[np.isfinite(ch["ltv_to_cac"].to_numpy(float))]
    names = lambda idx: sep.join(channel_label(c, lang) for c in idx) or t("funnel.none", lang)  # noqa: E731
    falls = ch.index[ch["falls_below"]]
    below = ch.index[ch["ltv_to_cac"] < target]
    parts = [t("funnel.stress_falls", lang, points=points(drop, lang, 0, signed=False),
               r=percent(db.section.ltv.retention, lang, 0), target=kpi_text(target, "ratio", lang),
               falls=names(falls), below=names(below))]
    if len(ch):
        w = ch["ltv_to_cac"].astype(float).idxmin()
        cause = "cac" if ch.at[w, "cac_vs_all"] - 1 >= 1 - ch.at[w, "margin_vs_all"] else "margin"
        parts.append(t(f"funnel.stress_weakest_{cause}", lang, channel=channel_label(w, lang),
                       ratio=kpi_text(ch.at[w, "ltv_to_cac"], "ratio", lang),
                       cac=percent(ch.at[w, "cac_vs_all"], lang, 0),
                       margin=percent(ch.at[w, "margin_vs_all"], lang, 0)))
    return " ".join(parts) if lang == "en" else "".join(parts)


def headroom_table(hr: pd.DataFrame, db: Dashboard, lang: str, limit: int = 8) -> pd.DataFrame:
    """The KPIs not red yet, closest to red first (``kpi_headroom``): value, target, status, the red line and
    the room before it, in the KPI's unit (shares in percentage points) and relative to the value."""
    h = hr[~hr["status"].isin(["red", "grey"])].head(limit)
    cur = db.currency

    def room(x: float, rel: float, unit: str) -> str:
        if not math.isfinite(rel):
            return t("funnel.cannot_turn_red", lang)
        if unit == "share":                                  # a share moves in percentage points
            shown = points(x, lang, 2 if 100 * x < 1 else 1, signed=False)
        else:
            shown = kpi_text(x, unit, lang, cur)
        return t("funnel.room_text", lang, room=shown, rel=percent(rel, lang, 1 if rel < 0.1 else 0))

    def value(x: float, unit: str) -> str:                   # shares to 0.01 %: the red line can be that close
        return percent(x, lang, 2) if unit == "share" else kpi_text(x, unit, lang, cur)
    return pd.DataFrame({
        t("funnel.col_kpi", lang): [kpi_name(db.data.kpis, k, lang) for k in h.index],
        t("funnel.col_value", lang, period=db.sel.window.label()): [value(v, u) for v, u in zip(h["value"], h["unit"])],
        t("funnel.col_target", lang): [value(x, u) for x, u in zip(h["target"], h["unit"])],
        t("funnel.col_status", lang): [_nowrap(t(f"funnel.status_{s}", lang)) for s in h["status"]],
        t("funnel.col_red_at", lang): [value(x, u) for x, u in zip(h["red_at"], h["unit"])],
        t("funnel.col_room", lang): [room(x, r, u) for x, r, u in zip(h["room"], h["room_rel"], h["unit"])],
    })


def quote_slip_table(qs: pd.DataFrame, db: Dashboard, lang: str) -> pd.DataFrame:
    """The KPIs on the quote's path before and after the slip, and the days of slip that turn each red."""
    kpis = db.data.kpis
    return pd.DataFrame({
        t("funnel.col_kpi", lang): [kpi_name(kpis, k, lang) for k in qs.index],
        t("funnel.col_target", lang): [kpi_text(x, "days", lang) for x in qs["target"]],
        t("funnel.col_now", lang): [f"{kpi_text(v, 'days', lang)} · {t(f'funnel.status_{s}', lang)}"
                                    for v, s in zip(qs["value"], qs["status"])],
        t("funnel.col_slipped", lang): [f"{kpi_text(v, 'days', lang)} · {t(f'funnel.status_{s}', lang)}"
                                        for v, s in zip(qs["slipped"], qs["status_after"])],
        t("funnel.col_days_to_red", lang): [t("funnel.status_red", lang) if x <= 0 else kpi_text(x, "days", lang)
                                            for x in qs["days_to_red"]],
    })


def headroom_note(hr: pd.DataFrame, qs: pd.DataFrame, db: Dashboard, days: float, lang: str) -> str:
    """The answer in words: which KPI on the quote's path turns red first as the slip grows, which lights the
    slip changes, and which KPI of the whole board is closest to red."""
    kpis = db.data.kpis
    sep = "、" if lang == "zh-TW" else ", "
    changed = [kpi_name(kpis, k, lang) for k in qs.index[qs["status"] != qs["status_after"]]]
    first = qs.index[0] if len(qs) else None
    parts = []
    if first is not None:
        key = "slip_red_already" if qs.at[first, "days_to_red"] <= 0 else "slip_first"
        parts.append(t(f"funnel.{key}", lang, kpi=kpi_name(kpis, first, lang),
                       days=kpi_text(qs.at[first, "days_to_red"], "days", lang), slip=f"{days:g}",
                       changed=sep.join(changed) if changed else t("funnel.none", lang)))
    open_ = hr[(hr["status"] != "red") & np.isfinite(hr["room_rel"].to_numpy(float))]
    if len(open_):
        k = open_.index[0]
        parts.append(t("funnel.closest_red", lang, kpi=kpi_name(kpis, k, lang),
                       rel=percent(open_.at[k, "room_rel"], lang, 1),
                       status=t(f"funnel.status_{open_.at[k, 'status']}", lang)))
    else:
        parts.append(t("funnel.no_open_kpi", lang))
    return " ".join(parts) if lang == "en" else "".join(parts)
