"""What the chapter shows in words and tables: PIM completeness, price rules, FX inputs, quotes, the tier table,
the headline and its talking points. Numbers in the workbook's one style (``crossborder.core.fmt``)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crossborder.core.fmt import minor_units, money, number, percent, percent_setting
from crossborder.core.i18n import country_in_text, t

from .data import COMPLIANCE_FIELDS, QUOTABLE_LIFECYCLES, QUOTE_FIELDS, SPEC_FIELDS
from .model import PriceBook, contribution_uplift
from .model_quote import Quote
from .model_risk import MarginRisk
from .model_whatif import absorbable_cost_shift, competitor_cut


def amount(value: float, currency: str, lang: str) -> str:
    """A price without its currency code, to the currency's minor unit (for columns headed by the currency)."""
    return number(value, lang, minor_units(currency))


def product_name(products: pd.DataFrame, model: str, lang: str) -> str:
    return products.at[model, "name_zh_TW" if lang == "zh-TW" else "name_en"]


def field_label(name: str, lang: str) -> str:
    """A PIM field's name for readers (``hs_code`` -> "HS code")."""
    return t(f"pricing.field_{name}", lang)


def field_list(names: Iterable[str], lang: str) -> str:
    """PIM field names as a list in the reader's language (``、`` between items in Chinese)."""
    return t("pricing.list_sep", lang).join(field_label(f, lang) for f in names)


# ============================================================================================ quotes

def quote_reason(q: Quote, lang: str) -> str:
    """The quote's outcome in one sentence."""
    if q.quoted:
        return t("pricing.quoted_ok", lang, band=t(f"pricing.band_{q.band}", lang), margin=percent(q.margin, lang))
    f = q.reason_fields
    if q.reason == "reason_not_ready":
        bits = []
        if f.get("missing"):
            bits.append(t("pricing.reason_missing", lang, fields=field_list(f["missing"], lang)))
        if f.get("lifecycle") not in QUOTABLE_LIFECYCLES:
            bits.append(t("pricing.reason_lifecycle", lang, lifecycle=t(f"pricing.lifecycle_{f['lifecycle']}", lang)))
        if f.get("tolerance") is False:
            bits.append(t("pricing.reason_tolerance", lang))
        return t("pricing.refused_not_ready", lang, model=q.model, why=t("pricing.reason_sep", lang).join(bits))
    if q.reason == "reason_lead_time":
        return t("pricing.refused_lead_time", lang, days=f["days"], fastest=f["fastest"])
    if q.reason == "reason_below_moq":
        key = "pricing.refused_moq_samples" if f["samples"] else "pricing.refused_moq"
        return t(key, lang, qty=q.quantity, moq=f["moq"], samples=f["samples"])
    return t("pricing.refused_floor", lang, margin=percent(f["margin"], lang), floor=percent_setting(f["floor"], lang),
             lowest=money(f["lowest"], q.currency, lang, exact=True))


def quote_table(q: Quote, lang: str) -> pd.DataFrame:
    """A quote's key figures as a two-column table."""
    ccy = q.currency
    status = t("pricing.status_quoted" if q.quoted else "pricing.status_refused", lang)
    if q.kind == "sample":
        status += f" ({t('pricing.kind_sample', lang)})"
    rows = [
        ("q_status", status),
        ("q_unit_price", money(q.unit_price, ccy, lang, exact=True) if q.quoted else "–"),
        ("q_total", money(q.total, ccy, lang, exact=True) if q.quoted else "–"),
        ("q_margin", percent(q.margin, lang)),
        ("q_band", t(f"pricing.band_{q.band}", lang) if q.band else "–"),
        ("q_lowest", money(q.lowest_price, ccy, lang, exact=True)),
        ("q_lead_time", t("pricing.days", lang, days=q.lead_time_days) if q.lead_time_days else "–"),
        ("q_reason", quote_reason(q, lang)),
    ]
    return pd.DataFrame({t("pricing.col_item", lang): [t(f"pricing.{k}", lang) for k, _ in rows],
                         t("pricing.col_value", lang): [v for _, v in rows]})


# ============================================================================================ products

def not_ready_reason(row: pd.Series, lang: str) -> str:
    """Why a product is not quote-ready, in words (empty when it is)."""
    reasons = []
    if row["quote_missing"]:
        reasons.append(t("pricing.reason_missing", lang, fields=field_list(row["quote_missing"], lang)))
    if row["lifecycle"] not in QUOTABLE_LIFECYCLES:
        reasons.append(t("pricing.reason_lifecycle", lang, lifecycle=t(f"pricing.lifecycle_{row['lifecycle']}", lang)))
    if row["within_tolerance"] is False:
        reasons.append(t("pricing.reason_tolerance", lang))
    return t("pricing.reason_sep", lang).join(reasons)


def _notes(row: pd.Series, lang: str) -> str:
    """Why a product is not quote-ready, then what the other uses miss."""
    sep = t("pricing.reason_sep", lang)
    parts = []
    why = not_ready_reason(row, lang)
    if why:
        parts.append(why)
    for purpose in ("spec", "compliance"):
        missing = [f for f in row[f"{purpose}_missing"] if f not in row["quote_missing"]]  # said once
        if missing:
            parts.append(t(f"pricing.note_{purpose}_missing", lang, fields=field_list(missing, lang)))
    return sep.join(parts) or "–"


def completeness_table(products: pd.DataFrame, comp: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Completeness per product and purpose, whether it is quote-ready, and what is missing."""
    yes, no = t("pricing.answer_yes", lang), t("pricing.answer_no", lang)
    return pd.DataFrame({
        t("pricing.col_model", lang): products.index,
        t("pricing.col_lifecycle", lang): [t(f"pricing.lifecycle_{x}", lang) for x in comp["lifecycle"]],
        t("pricing.col_quote_data", lang): [percent(x, lang, 0) for x in comp["quote_score"]],
        t("pricing.col_spec_data", lang): [percent(x, lang, 0) for x in comp["spec_score"]],
        t("pricing.col_compliance_data", lang): [percent(x, lang, 0) for x in comp["compliance_score"]],
        t("pricing.col_quote_ready", lang): [yes if x else no for x in comp["quote_ready"]],
        t("pricing.col_notes", lang): [_notes(r, lang) for _, r in comp.iterrows()],
    })


def fields_table(lang: str) -> pd.DataFrame:
    """Which PIM fields each use of the data needs (spec fields per product family)."""
    rows = [(t("pricing.purpose_quote", lang), QUOTE_FIELDS)]
    rows += [(t("pricing.purpose_spec", lang, family=t(f"pricing.family_{fam}", lang)), fields)
             for fam, fields in SPEC_FIELDS.items()]
    rows.append((t("pricing.purpose_compliance", lang), COMPLIANCE_FIELDS))
    return pd.DataFrame({t("pricing.col_purpose", lang): [r[0] for r in rows],
                         t("pricing.col_fields", lang): [field_list(r[1], lang) for r in rows]})


# ============================================================================================ the market

def fx_table(book: PriceBook, lang: str) -> pd.DataFrame:
    """The FX inputs of this market: pair, planning rate, volatility, and where each figure comes from."""
    rows = []
    for pair, fx in sorted(book.fx.items()):
        basis = t(f"pricing.fx_basis_{fx.basis.replace(' ', '_')}", lang)
        src = fx.source + (f" ({t('common.as_of', lang)} {fx.as_of})" if fx.as_of else "")
        rows.append((pair, f"{fx.planning_rate:,.4g}", percent(fx.volatility_annual, lang), basis, src or "–"))
    return pd.DataFrame(rows, columns=[t(f"pricing.col_{c}", lang) for c in
                                       ("pair", "planning_rate", "volatility", "basis", "source")])


def settings_table(book: PriceBook, lang: str) -> pd.DataFrame:
    """The market's price rules in one table: currency, Incoterm, region, guardrails, lead times, samples."""
    s = book.section
    g = s.guardrails
    sep = t("pricing.reason_sep", lang)
    ccy = s.quote_currency
    lead = sep.join(t("pricing.lead_entry", lang, label=o.label(lang), days=o.days, factor=f"{o.factor:g}")
                    for o in s.lead_times)
    samples = (t("pricing.samples_rule", lang, n=s.samples.max_qty, factor=f"{s.samples.price_factor:g}")
               if s.samples.below_moq == "sample" else t("pricing.samples_refused", lang))
    bundles = sep.join(t("pricing.bundle_entry", lang, name=b.name(lang), price=money(b.price, ccy, lang, exact=True),
                         per=t("pricing.per_" + b.basis, lang), cost=money(b.cost, ccy, lang, exact=True))
                       for b in s.bundles) or "–"
    carriage = t("pricing.carriage_seller" if s.seller_pays_carriage else "pricing.carriage_buyer", lang)
    pset = lambda x: percent_setting(x, lang)
    rows = [
        ("set_currency", s.quote_currency),
        ("set_incoterm", f"{s.incoterm} {s.named_place} · {carriage}"),
        ("set_region", f"× {s.region_factor:g}"),
        ("set_guardrails", f"{pset(g.floor)} / {pset(g.target)} / {pset(g.stretch)}"),
        ("set_list_margin", pset(s.list_margin)),
        ("set_tiers", sep.join(t("pricing.tier_entry", lang, qty=number(tier.min_qty, lang), discount=pset(tier.discount))
                               for tier in s.tiers)),
        ("set_lead_times", lead),
        ("set_samples", samples),
        ("set_bundles", bundles),
        ("set_payment", t("pricing.days", lang, days=s.payment_days)),
    ]
    return pd.DataFrame({t("pricing.col_item", lang): [t(f"pricing.{k}", lang) for k, _ in rows],
                         t("pricing.col_value", lang): [v for _, v in rows]})


def tier_table(book: PriceBook, tiers: pd.DataFrame, risk: MarginRisk | None, lang: str) -> pd.DataFrame:
    """The ladder, the recommended prices and their margin risk, one row per tier (report table)."""
    ccy = book.currency
    col = lambda key: t("pricing.col_with_currency", lang, label=t(f"pricing.{key}", lang), currency=ccy)
    out = pd.DataFrame({
        t("pricing.col_tier", lang): tiers["label"].to_numpy(),
        col("col_ladder"): [amount(x, ccy, lang) for x in tiers["ladder_price"]],
        col("col_competitor"): [amount(x, ccy, lang) for x in tiers["competitor_price"]],
        col("col_recommended"): [amount(x, ccy, lang) for x in tiers["recommended_price"]],
        t("pricing.col_margin", lang): [percent(x, lang) for x in tiers["recommended_margin"]],
        t("pricing.col_win", lang): [f"{percent(a, lang, 0)} → {percent(b, lang, 0)}"
                                     for a, b in zip(tiers["ladder_win"], tiers["recommended_win"])],
        t("pricing.col_contribution", lang, currency=ccy): [
            f"{amount(x, ccy, lang)} ({number(int(q), lang)})"
            for x, q in zip(tiers["expected_contribution"], tiers["typical_qty"])],
    })
    if risk is not None:
        out[t("pricing.col_below_floor", lang)] = [percent(x, lang) for x in risk.below_floor]
        out[t("pricing.col_p05", lang)] = [percent(x, lang) for x in risk.p05]
    return out


# ============================================================================================ headline

def headline(book: PriceBook, model: str, tiers: pd.DataFrame, risk: MarginRisk, lang: str) -> tuple[str, str, float]:
    """Headline sentence, key figure (the expected-contribution uplift of the recommended prices over the
    ladder) and its value; the sentence also names the worst tier's chance of ending below the floor."""
    worst = int(np.argmax(risk.below_floor))
    ccy = book.currency
    uplift = contribution_uplift(tiers)
    signed = percent(uplift, lang, 0, signed=True)
    floor = percent_setting(book.section.guardrails.floor, lang)
    p = percent(float(risk.below_floor[worst]), lang)
    floor_risk = (t("pricing.headline_floor_risk_none", lang, floor=floor) if p == percent(0.0, lang) else
                  t("pricing.headline_floor_risk", lang, floor=floor, p=p, tier=tiers["label"].iloc[worst]))
    text = t("pricing.headline", lang, model=model, market=country_in_text(book.market, lang), uplift=signed,
             lo=money(float(tiers["recommended_price"].min()), ccy, lang, exact=True),
             hi=money(float(tiers["recommended_price"].max()), ccy, lang, exact=True),
             m_lo=percent(float(tiers["recommended_margin"].min()), lang),
             m_hi=percent(float(tiers["recommended_margin"].max()), lang), floor_risk=floor_risk)
    return text, t("pricing.headline_figure", lang, uplift=signed), uplift


def headline_points(book: PriceBook, model: str, tiers: pd.DataFrame, risk: MarginRisk, lang: str) -> list[str]:
    """Talking points for the workshop deck with the market's numbers, adding to the headline: how the first
    tier's win probability moves, the unit-cost rise the price list absorbs, and what a 10 % competitor cut
    costs when the prices are re-optimised or held."""
    ccy = book.currency
    first = tiers.iloc[0]
    points = [t("pricing.point_win", lang, tier=first["label"],
                ladder=money(float(first["ladder_price"]), ccy, lang, exact=True),
                w0=percent(float(first["ladder_win"]), lang, 0),
                rec=money(float(first["recommended_price"]), ccy, lang, exact=True),
                w1=percent(float(first["recommended_win"]), lang, 0))]
    absorb = absorbable_cost_shift(book, model)
    if absorb["headroom"].notna().any():
        i = int(absorb["headroom"].idxmin())
        x = float(absorb.at[i, "headroom"])
        key = "pricing.point_absorb" if x > 0 else "pricing.point_absorb_already"
        points.append(t(key, lang, shift=percent(abs(x), lang), tier=absorb.at[i, "label"],
                        floor=percent_setting(book.section.guardrails.floor, lang)))
    cut = competitor_cut(book, model, 0.10)
    before = float(cut["before"].sum())
    if before > 0:
        points.append(t("pricing.point_cut", lang,
                        reprice=percent(float(cut["reprice"].sum()) / before - 1, lang, 0, signed=True),
                        hold=percent(float(cut["hold"].sum()) / before - 1, lang, 0, signed=True)))
    return points
