"""Display tables of the funnel chapter and the number style of a KPI in its unit (built on ``core.fmt``)."""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import norm

from crossborder.core.errors import InputError
from crossborder.core.fmt import DASH, NBSP, money, number, percent, percent_setting, ratio
from crossborder.core.i18n import t

from .data import PRODUCT_LINES, UNITS
from .model_customers import cross_sell, qbrs_due
from .model_dashboard import Dashboard, compare
from .model_funnel import SALES_STAGES, VELOCITY, WEB_STAGES, conversions
from .model_leads import LeadModel, reactivation, volumes
from .section import DECISION_STAGES, INDUSTRIES, REGIONS, ROLES, SIZES, Scoring


def kpi_text(value: float, unit: str, lang: str, currency: str | None = None, never: bool = False) -> str:
    """A KPI value in its unit (``data/kpis.csv``) for display in the core number style: shares as percentages,
    money in ``currency``, durations with their unit; '–' when there is no value, the words for "never pays
    back" when ``never``."""
    if never:
        return t("funnel.never", lang)
    v = float(value)
    if not math.isfinite(v):
        return DASH
    if unit == "share":
        return percent(v, lang, 1)
    if unit == "per_month":
        return number(v, lang, 0 if abs(v) >= 100 else 1)
    if unit == "money":
        if currency is None:
            raise InputError("currency: expected the currency of a money KPI, found None")
        return money(v, currency, lang)
    if unit in ("months", "hours", "days"):
        x = number(v, lang, 0 if unit == "days" and abs(v) >= 10 else 1)
        return t(f"funnel.unit_{unit}", lang, x=x).replace(" ", NBSP)
    if unit == "lines":
        return number(v, lang, 2)
    if unit == "ratio":
        return ratio(v, lang, 1)
    raise InputError(f"unit: expected one of {', '.join(UNITS)}, found {unit!r}")


def _interval(low: float, high: float, lang: str) -> str:
    if not (math.isfinite(float(low)) and math.isfinite(float(high))):
        return DASH
    return f"{percent(low, lang)} – {percent(high, lang)}"


def _short_interval(low: float, high: float, lang: str) -> str:
    """An interval in whole percent, with a decimal when it is narrow (e.g. 3.0% – 3.4%)."""
    if not (math.isfinite(float(low)) and math.isfinite(float(high))):
        return DASH
    digits = 1 if high - low < 0.05 else 0
    return f"{percent(low, lang, digits)} – {percent(high, lang, digits)}"


def stage_label(stage: str, lang: str) -> str:
    return t(f"funnel.stage_{stage}", lang)


def channel_label(channel: str, lang: str) -> str:
    return t(f"funnel.channel_{channel}", lang)


def kpi_name(kpis: pd.DataFrame, kpi: str, lang: str) -> str:
    return str(kpis.at[kpi, "name_zh_TW" if lang == "zh-TW" else "name_en"])


def _col(kpis: pd.DataFrame, field_: str, lang: str) -> pd.Series:
    return kpis[f"{field_}_{'zh_TW' if lang == 'zh-TW' else 'en'}"]


def _nowrap(text: str) -> str:
    """A short label that must not wrap in a narrow column: word joiners between its characters, no-break spaces."""
    return "\u2060".join(str(text).replace(" ", "\u00a0"))


def _id_text(value: str) -> str:
    """An id such as L-DE-0022 with non-breaking hyphens."""
    return str(value).replace("-", "\u2011")


def _date_text(day: pd.Timestamp) -> str:
    """ISO date with non-breaking hyphens, so a narrow column never splits it."""
    return pd.Timestamp(day).date().isoformat().replace("-", "\u2011")


def _series_labels(index: pd.Index, lang: str) -> list[str]:
    return [t("funnel.all_channels", lang) if c == "all" else channel_label(c, lang) for c in index]


def _transition(a: str, b: str, lang: str, br: bool = False) -> str:
    return f"{stage_label(a, lang)} →{'<br>' if br else ' '}{stage_label(b, lang)}"


# ---------------------------------------------------------------------------------------------- tables

def funnel_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Both chains for the selection: count, per month, conversion from the stage before with its interval."""
    total = db.total.to_frame().T
    conv = conversions(total, db.section.confidence)
    months = max(db.sel.window.months, 1)
    rows = []
    for chain, stages in (("web", WEB_STAGES), ("sales", SALES_STAGES)):
        c = conv[conv["chain"] == chain]
        for k, stage in enumerate(stages):
            n = float(db.total[stage])
            r = c.iloc[k - 1] if k else None
            rows.append((t(f"funnel.chain_{chain}", lang), stage_label(stage, lang), number(n, lang),
                         number(n / months, lang, 1), "" if r is None else percent(r["rate"], lang),
                         "" if r is None else _interval(r["low"], r["high"], lang)))
    interval = t("funnel.col_interval", lang, p=percent_setting(db.section.confidence, lang))
    return pd.DataFrame(rows, columns=[t("funnel.col_chain", lang), t("funnel.col_stage", lang),
                                       t("funnel.col_count", lang, months=months), t("funnel.col_per_month", lang),
                                       t("funnel.col_conversion", lang), interval])


def speed_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Speed per channel and in total: first reply, quote turnaround, days in each sales stage, inquiry to PO."""
    counts = pd.concat([db.counts, db.total.to_frame("all").T])
    label = [channel_label(c, lang) if c != "all" else t("funnel.all_channels", lang) for c in counts.index]
    out = pd.DataFrame({t("funnel.col_channel", lang): label})
    out[t("funnel.col_response", lang)] = [kpi_text(v, "hours", lang) for v in counts["hours_first_response"]]
    out[t("funnel.col_quote_days", lang)] = [kpi_text(v, "days", lang) for v in counts["days_quote_turnaround"]]
    for a, b, col in VELOCITY:
        out[t("funnel.col_stage_days", lang, a=stage_label(a, lang), b=stage_label(b, lang))] = [
            kpi_text(v, "days", lang) for v in counts[col]]
    out[t("funnel.col_inquiry_po", lang)] = [kpi_text(v, "days", lang) for v in counts["days_inquiry_to_po"]]
    return out


def scoring_table(s: Scoring, lang: str) -> pd.DataFrame:
    """The rule-based score's points, feature by feature."""
    rows = []
    for feature, levels in (("industry", INDUSTRIES), ("role", ROLES), ("company_size", SIZES), ("region", REGIONS),
                            ("decision_stage", DECISION_STAGES)):
        points = getattr(s, feature)
        rows.append((t(f"funnel.feature_{feature}", lang),
                     "；".join(f"{t(f'funnel.{feature}_{x}', lang)} {points[x]:g}" for x in levels) if lang == "zh-TW"
                     else "; ".join(f"{t(f'funnel.{feature}_{x}', lang)} {points[x]:g}" for x in levels)))
    rows += [
        (t("funnel.feature_pages_viewed", lang), t("funnel.points_per", lang, per=f"{s.per_page:g}", cap=f"{s.page_cap:g}")),
        (t("funnel.feature_downloads", lang), t("funnel.points_per", lang, per=f"{s.per_download:g}", cap=f"{s.download_cap:g}")),
        (t("funnel.feature_inquiry", lang), f"{s.inquiry:g}"),
        (t("funnel.feature_budget_stated", lang), f"{s.budget_stated:g}"),
        (t("funnel.thresholds", lang), t("funnel.thresholds_text", lang, mql=f"{s.mql_threshold:g}",
                                          sql=f"{s.sql_threshold:g}", top=f"{s.max_score():g}")),
    ]
    return pd.DataFrame(rows, columns=[t("funnel.col_feature", lang), t("funnel.col_points", lang)])


def _reference(feature: str) -> str:
    """The level each category is compared with in the logistic model (see ``design_matrix``)."""
    return {"industry": INDUSTRIES[-1], "role": ROLES[-1], "company_size": SIZES[0], "region": "other",
            "decision_stage": DECISION_STAGES[0]}[feature]


def feature_label(name: str, lang: str) -> str:
    """A logistic model column as words: 'industry: semiconductor (vs other)'."""
    if name in ("intercept", "log_pages", "downloads", "inquiry", "budget_stated"):
        return t(f"funnel.coef_{name}", lang)
    for feature, levels in (("industry", INDUSTRIES), ("role", ROLES), ("company_size", SIZES),
                            ("decision_stage", DECISION_STAGES), ("region", REGIONS)):
        prefix = feature + "_"
        if name.startswith(prefix):
            return t("funnel.coef_level", lang, feature=t(f"funnel.feature_{feature}", lang),
                     level=t(f"funnel.{feature}_{name[len(prefix):]}", lang),
                     ref=t(f"funnel.{feature}_{_reference(feature)}", lang))
    return name


def coefficient_table(model: LeadModel, lang: str, confidence: float = 0.95) -> pd.DataFrame:
    """The logistic model's coefficients as odds ratios with their confidence intervals."""
    z = norm.ppf(0.5 + confidence / 2)
    lg = model.logit
    keep = [i for i, n in enumerate(lg.names) if n != "intercept"]
    return pd.DataFrame({
        t("funnel.col_feature", lang): [feature_label(lg.names[i], lang) for i in keep],
        t("funnel.col_coef", lang): [number(lg.coef[i], lang, 2, signed=True) for i in keep],
        t("funnel.col_odds", lang): [number(math.exp(lg.coef[i]), lang, 2) for i in keep],
        t("funnel.col_odds_interval", lang, p=percent_setting(confidence, lang)): [
            f"{number(math.exp(lg.coef[i] - z * lg.se[i]), lang, 2)} – "
            f"{number(math.exp(lg.coef[i] + z * lg.se[i]), lang, 2)}" for i in keep],
    })


def comparison_table(db: Dashboard, lang: str, scoring: Scoring | None = None) -> pd.DataFrame:
    c = compare(db, scoring)
    s = db.section.scoring if scoring is None else scoring

    def r(x: tuple[float, float, float]) -> str:
        if not math.isfinite(x[0]):
            return DASH
        return f"{percent(x[0], lang, 0)} ({percent(x[1], lang, 0)} – {percent(x[2], lang, 0)})"
    return pd.DataFrame({
        t("funnel.col_measure", lang): [t("funnel.cmp_auc", lang), t("funnel.cmp_brier", lang),
                                        t("funnel.cmp_top", lang, n=c.flagged, sql=f"{s.sql_threshold:g}")],
        t("funnel.rule_score", lang): [number(c.auc_rule, lang, 2), DASH, r(c.rate_rule)],
        t("funnel.model_score", lang): [number(c.auc_model, lang, 2), number(c.brier_model, lang, 3), r(c.rate_model)],
    })


def volumes_table(db: Dashboard, lang: str, scoring: Scoring | None = None) -> pd.DataFrame:
    """MQL and SQL volumes per month at the thresholds against those recorded, and their quote rates."""
    s = db.section.scoring if scoring is None else scoring
    v = volumes(db.data, db.sel, s, db.section.confidence)
    rows = []
    for level in v.index:
        r = v.loc[level]
        rows.append((t(f"funnel.level_{level}", lang),
                     DASH if not math.isfinite(r["threshold"]) else f"≥ {r['threshold']:g}",
                     percent(r["share"], lang, 0), number(r["per_month"], lang, 1), number(r["recorded"], lang, 1),
                     DASH if not r["resolved"] else
                     f"{percent(r['quote_rate'], lang, 0)} "
                     f"({percent(r['low'], lang, 0)} – {percent(r['high'], lang, 0)}; "
                     f"n = {int(r['resolved'])})"))
    return pd.DataFrame(rows, columns=[t("funnel.col_level", lang), t("funnel.col_threshold", lang),
                                       t("funnel.col_share_sample", lang), t("funnel.col_est_month", lang),
                                       t("funnel.col_recorded_month", lang), t("funnel.col_quote_rate", lang)])


def reactivation_table(db: Dashboard, lang: str, limit: int = 12) -> pd.DataFrame | str:
    """Open leads idle for the re-activation period, highest score first, with the suggested next step."""
    sec = db.section
    r = reactivation(db.data, db.code, db.sel.channel, db.as_of, sec.scoring, sec.reactivation_days).head(limit)
    if r.empty:
        return ""
    return pd.DataFrame({
        t("funnel.col_lead", lang): [_id_text(x) for x in r["lead_id"]],
        t("funnel.col_channel", lang): [channel_label(c, lang) for c in r["channel"]],
        t("funnel.feature_industry", lang): [t(f"funnel.industry_{x}", lang) for x in r["industry"]],
        t("funnel.feature_role", lang): [_nowrap(t(f"funnel.role_{x}", lang)) for x in r["role"]],
        _nowrap(t("funnel.col_score", lang)): [f"{x:g}" for x in r["score"]],
        t("funnel.col_last", lang): [_date_text(d) for d in r["last_interaction"]],
        _nowrap(t("funnel.col_idle", lang)): r["days_idle"].to_numpy(),
        t("funnel.col_action", lang): [t(f"funnel.action_{b}", lang) for b in r["band"]],
    })


def payback_text(months: float, pays_back: bool, won: float, horizon: float, lang: str) -> str:
    """Payback in months; "never pays back" when nobody was won; "not within N months" when the new-customer
    margin curve (N months observed) does not reach CAC."""
    if pays_back:
        return kpi_text(months, "months", lang)
    if won > 0 and horizon > 0:
        return t("funnel.not_within", lang, n=int(horizon))
    return t("funnel.never", lang)


def economics_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Per channel: spend, customers won, CAC, first-order margin, first-year margin of a new customer, yearly
    margin of a retained one, payback, LTV, LTV / CAC."""
    e = db.economics
    cur = db.currency
    label = [channel_label(c, lang) if c != "all" else t("funnel.all_channels", lang) for c in e.index]
    margin = [money(m, cur, lang) + (" *" if p else "") for m, p in zip(e["margin_year"], e["pooled"])]
    return pd.DataFrame({
        t("funnel.col_channel", lang): label,
        t("funnel.col_spend", lang): [money(x, cur, lang) for x in e["spend"]],
        t("funnel.col_new", lang): e["new_customers"].astype(int).to_numpy(),
        t("funnel.col_cac", lang): [money(x, cur, lang) if math.isfinite(x) else t("funnel.no_customer", lang) for x in e["cac"]],
        t("funnel.col_first_margin", lang): [money(x, cur, lang) for x in e["first_order_margin"]],
        t("funnel.col_margin_first_year", lang): [money(m, cur, lang) + (" †" if p else "")
                                                  for m, p in zip(e["margin_first_year"], e["new_pooled"])],
        t("funnel.col_margin_year", lang): margin,
        t("funnel.col_payback", lang): [payback_text(x, ok, n, h, lang) for x, ok, n, h in
                                        zip(e["payback_months"], e["pays_back"], e["new_customers"], e["payback_horizon"])],
        t("funnel.col_ltv", lang): [money(x, cur, lang) for x in e["ltv"]],
        t("funnel.col_ltv_cac", lang): [kpi_text(x, "ratio", lang) for x in e["ltv_to_cac"]],
    })


def tier_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Per tier: the SLA promised, active accounts, revenue and margin, product lines, SLA attainment."""
    tr = db.tiers
    cur = db.currency
    return pd.DataFrame({
        _nowrap(t("funnel.col_tier", lang)): [_nowrap(t(f"funnel.tier_{x}", lang)) for x in tr.index],
        t("funnel.col_sla", lang): [t("funnel.sla_policy", lang, h=f"{r['sla_hours']:g}",
                                      p=percent_setting(r["sla_target"], lang),
                                      qbr=(t("funnel.qbr_every", lang, m=int(r["qbr_every_months"]))
                                           if r["qbr_every_months"] else t("funnel.qbr_none", lang)))
                                    for _, r in tr.iterrows()],
        t("funnel.col_active", lang): [f"{int(r['active'])} / {int(r['accounts'])}" for _, r in tr.iterrows()],
        t("funnel.col_revenue", lang): [money(x, cur, lang) for x in tr["revenue"]],
        _nowrap(t("funnel.col_revenue_share", lang)): [percent(x, lang, 0) for x in tr["revenue_share"]],
        t("funnel.col_margin_rate", lang): [percent(x, lang) for x in tr["margin_rate"]],
        t("funnel.col_lines", lang): [number(x, lang, 2) for x in tr["lines"]],
        t("funnel.col_attainment", lang): [
            DASH if not r["requests"] else
            f"{percent(r['attainment'], lang, 0)} "
            f"({percent(r['low'], lang, 0)}{NBSP}–{NBSP}{percent(r['high'], lang, 0)})"
            for _, r in tr.iterrows()],
        t("funnel.col_joint", lang): tr["joint"].astype(int).to_numpy(),
    })


def cross_sell_table(db: Dashboard, lang: str) -> pd.DataFrame:
    cs = cross_sell(db.data, db.code, db.sel.window.end)
    out = pd.DataFrame({t("funnel.col_tier", lang): [_nowrap(t(f"funnel.tier_{x}", lang)) for x in cs.index]})
    out[t("funnel.col_accounts", lang)] = cs["accounts"].fillna(0).astype(int).to_numpy()
    for line in PRODUCT_LINES:
        out[t(f"funnel.line_{line}", lang)] = [percent(x, lang, 0) for x in cs[line]]
    return out


def qbr_table(db: Dashboard, lang: str) -> pd.DataFrame | str:
    sec = db.section
    q = qbrs_due(db.data, db.code, db.as_of, sec.tiers, sec.qbr_lookahead_days)
    if q.empty:
        return ""
    return pd.DataFrame({
        t("funnel.col_account", lang): [_id_text(x) for x in q["account_id"]],
        _nowrap(t("funnel.col_tier", lang)): [_nowrap(t(f"funnel.tier_{x}", lang)) for x in q["tier"]],
        t("funnel.feature_industry", lang): [t(f"funnel.industry_{x}", lang) for x in q["industry"]],
        t("funnel.col_last_qbr", lang): [_date_text(d) if pd.notna(d) else t("funnel.never_held", lang) for d in q["last_qbr"]],
        t("funnel.col_due", lang): [_date_text(d) for d in q["due"]],
        t("funnel.col_status", lang): [t(f"funnel.qbr_{s}", lang, days=abs(int(d))) for s, d in zip(q["status"], q["days"])],
        t("funnel.col_joint", lang): [t(f"funnel.joint_{x}", lang) for x in q["joint_development"]],
    })


def kpi_definitions_table(kpis: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The KPI definitions of ``kpis.csv`` in one language."""
    return pd.DataFrame({
        _nowrap(t("funnel.col_layer", lang)): [_nowrap(t(f"funnel.layer_{x}", lang)) for x in kpis["layer"]],
        t("funnel.col_kpi", lang): _col(kpis, "name", lang).to_numpy(),
        t("funnel.col_formula", lang): _col(kpis, "formula", lang).to_numpy(),
        _nowrap(t("funnel.col_better", lang)): [_nowrap(t(f"funnel.better_{x}", lang)) for x in kpis["better"]],
    })


def board_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Every KPI: value with its interval, target, status, the previous window's value and the trend."""
    b = db.board
    kpis = db.data.kpis
    cur = db.currency

    def value(k: str) -> str:
        r = b.loc[k]
        text_ = kpi_text(r["value"], r["unit"], lang, cur, r["never"])
        if r["unit"] == "share" and math.isfinite(r["low"]):
            text_ += f" ({_short_interval(r['low'], r['high'], lang)})"
        return text_

    return pd.DataFrame({
        _nowrap(t("funnel.col_layer", lang)): [_nowrap(t(f"funnel.layer_{x}", lang)) for x in b["layer"]],
        t("funnel.col_kpi", lang): [kpi_name(kpis, k, lang) for k in b.index],
        t("funnel.col_value", lang, period=db.sel.window.label()): [value(k) for k in b.index],
        t("funnel.col_target", lang): [kpi_text(x, u, lang, cur) for x, u in zip(b["target"], b["unit"])],
        t("funnel.col_status", lang): [_nowrap(t(f"funnel.status_{s}", lang)) for s in b["status"]],
        t("funnel.col_previous", lang): [kpi_text(x, u, lang, cur) for x, u in zip(b["previous"], b["unit"])],
        _nowrap(t("funnel.col_trend", lang)): [_nowrap(t(f"funnel.trend_{x}", lang)) for x in b["trend"]],
    })
