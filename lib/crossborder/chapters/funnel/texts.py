"""Generated texts of the funnel chapter: notes, the summary paragraph, the headline and its talking points."""

from __future__ import annotations

import math

import numpy as np

from crossborder.core.fmt import money, number, percent, percent_setting
from crossborder.core.i18n import country_in_text, country_name, in_sentence, plural, t

from .model_customers import PAYBACK_MONTHS, qbrs_due
from .model_dashboard import Dashboard
from .model_kpis import kpi_headroom
from .model_leads import reactivation, volumes
from .present import channel_label, kpi_name, kpi_text, payback_text


def reactivation_text(db: Dashboard, lang: str) -> str:
    sec = db.section
    r = reactivation(db.data, db.code, db.sel.channel, db.as_of, sec.scoring, sec.reactivation_days)
    if r.empty:
        return t("funnel.no_reactivation", lang, days=sec.reactivation_days, date=db.as_of.isoformat())
    return t("funnel.reactivation_count", lang, n=len(r), days=sec.reactivation_days, date=db.as_of.isoformat(),
             sql=int((r["band"] == "sql").sum()), mql=int((r["band"] == "mql").sum()))


def qbr_text(db: Dashboard, lang: str) -> str:
    sec = db.section
    q = qbrs_due(db.data, db.code, db.as_of, sec.tiers, sec.qbr_lookahead_days)
    if q.empty:
        return t("funnel.no_qbr", lang, date=db.as_of.isoformat(), days=sec.qbr_lookahead_days)
    return t("funnel.qbr_count", lang, n=len(q), date=db.as_of.isoformat(), days=sec.qbr_lookahead_days,
             late=int((q["status"] != "due").sum()))


def ltv_note(db: Dashboard, lang: str, retention: float | None = None) -> str:
    lt = db.section.ltv
    r = lt.retention if retention is None else retention
    horizon = t("funnel.horizon_years", lang, n=lt.horizon_years) if lt.horizon_years else t("funnel.horizon_forever", lang)
    measured = db.board.at["churn_rate", "value"] if "churn_rate" in db.board.index else float("nan")
    return t("funnel.ltv_note", lang, r=percent_setting(r, lang), d=percent_setting(lt.discount_rate, lang),
             horizon=horizon, min=lt.min_accounts, measured=percent(1 - measured, lang, 0),
             months=PAYBACK_MONTHS)


def period_text(db: Dashboard, lang: str) -> str:
    return t("funnel.period", lang, months=db.sel.window.months, label=db.sel.window.label())


def rag_note(db: Dashboard, lang: str) -> str:
    """The status and trend rules of this scenario in words."""
    return t("funnel.rag_note", lang, band=percent_setting(db.section.amber_band, lang),
             flat=percent_setting(db.section.trend_flat, lang),
             previous=db.sel.previous().window.label())


def method_note(db: Dashboard, lang: str) -> str:
    return t("funnel.method_note", lang, period=period_text(db, lang),
             p=percent_setting(db.section.confidence, lang),
             date=db.as_of.isoformat())


def summary_text(db: Dashboard, lang: str) -> str:
    """The chapter's findings for the market in one paragraph (Markdown)."""
    b = db.board
    e = db.economics.loc["all"]
    counts = b["status"].value_counts()
    red = [kpi_name(db.data.kpis, k, lang) for k in b.index[b["status"] == "red"]]
    sep = "、" if lang == "zh-TW" else ", "
    q = qbrs_due(db.data, db.code, db.as_of, db.section.tiers, db.section.qbr_lookahead_days)
    r = reactivation(db.data, db.code, db.sel.channel, db.as_of, db.section.scoring, db.section.reactivation_days)
    return t("funnel.summary", lang, market=country_name(db.code, lang), period=period_text(db, lang),
             visitors=number(db.total["visitors"], lang), leads=number(db.total["downloads"], lang),
             won=int(db.total["new_customers"]),
             cac=money(e["cac"], db.currency, lang) if math.isfinite(e["cac"]) else t("funnel.no_customer", lang),
             ltv_cac=kpi_text(e["ltv_to_cac"], "ratio", lang),
             payback=payback_text(e["payback_months"], e["pays_back"], e["new_customers"], e["payback_horizon"], lang),
             green=int(counts.get("green", 0)), amber=int(counts.get("amber", 0)), red_n=int(counts.get("red", 0)),
             total=len(b), red=sep.join(red) if red else t("funnel.none", lang), qbr=len(q), idle=len(r),
             days=db.section.reactivation_days)


def _channel_in_text(channel: str, lang: str) -> str:
    """A channel's label inside a sentence: "own site: SEO", but "LinkedIn" (a platform's name keeps its capital)."""
    label = channel_label(channel, lang)
    return in_sentence(label, lang) if channel.startswith("own_") else label


def headline(db: Dashboard, lang: str) -> tuple[str, str, float | None]:
    """The headline sentence, its key figure (LTV / CAC over all channels) and that number."""
    b = db.board
    e = db.economics.loc["all"]
    ratio = float(e["ltv_to_cac"])
    worst = b[b["status"] == "red"].sort_values("attainment", na_position="first")
    red = [in_sentence(kpi_name(db.data.kpis, k, lang), lang) for k in worst.index[:3]]
    sep = "、" if lang == "zh-TW" else ", "
    q = qbrs_due(db.data, db.code, db.as_of, db.section.tiers, db.section.qbr_lookahead_days)
    text_ = t("funnel.headline", lang, market=country_in_text(db.code, lang, start=True),
              green=int((b["status"] == "green").sum()), total=len(b),
              red=sep.join(red) if red else t("funnel.none", lang), qbr=plural("funnel.headline_qbr", len(q), lang),
              ltv_cac=kpi_text(ratio, "ratio", lang))
    value = round(ratio, 2) if math.isfinite(ratio) else None
    return text_, t("funnel.headline_figure", lang, x=kpi_text(ratio, "ratio", lang)), value


def headline_points(db: Dashboard, lang: str) -> list[str]:
    """Two or three talking points for the slide deck, with the market's numbers: LTV / CAC by channel, what
    the MQL threshold passes on and how good it is, and the KPIs that are red or closest to red."""
    e = db.economics
    target = float(db.section.targets.get("ltv_to_cac", 3.0))
    ch = e.drop(index="all", errors="ignore")
    ch = ch[np.isfinite(ch["ltv_to_cac"].to_numpy(float))]["ltv_to_cac"].astype(float)
    points = []
    if len(ch) >= 2:
        points.append(t("funnel.point_ltv", lang, x=kpi_text(e.at["all", "ltv_to_cac"], "ratio", lang),
                        target=kpi_text(target, "ratio", lang), best=_channel_in_text(ch.idxmax(), lang),
                        bx=kpi_text(ch.max(), "ratio", lang), worst=_channel_in_text(ch.idxmin(), lang),
                        wx=kpi_text(ch.min(), "ratio", lang)))
    else:
        points.append(t("funnel.point_ltv_all", lang, x=kpi_text(e.at["all", "ltv_to_cac"], "ratio", lang),
                        target=kpi_text(target, "ratio", lang)))
    s = db.section.scoring
    v = volumes(db.data, db.sel, s, db.section.confidence)
    points.append(t("funnel.point_mql", lang, x=f"{s.mql_threshold:g}", n=number(v.at["mql", "per_month"], lang, 1),
                    rate=percent(v.at["mql", "quote_rate"], lang, 0),
                    base=percent(v.at["lead", "quote_rate"], lang, 0)))
    b = db.board
    hr = kpi_headroom(b, db.section.amber_band)
    open_ = hr[(hr["status"] != "red") & np.isfinite(hr["room_rel"].to_numpy(float))]
    red = int((b["status"] == "red").sum())
    if len(open_):
        k = open_.index[0]
        points.append(plural("funnel.point_kpi", red, lang, red=red, total=len(b),
                             kpi=in_sentence(kpi_name(db.data.kpis, k, lang), lang),
                             rel=percent(open_.at[k, "room_rel"], lang, 1)))
    else:
        points.append(t("funnel.point_kpi_all_red", lang, red=red, total=len(b)))
    return points
