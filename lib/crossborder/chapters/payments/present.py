"""The payments chapter's display tables and texts: instruments, deal costs, recommended terms, credit limits,
KYB, fraud screening, aging and the receivables summary, and the chapter's headline (numbers in the
workbook's one style, ``crossborder.core.fmt``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crossborder.core.fmt import DASH, money, number, percent
from crossborder.core.i18n import country_name, in_sentence, t

from .data import CURRENCY
from .model import BreakEven
from .model_receivables import BUCKETS
from .section import SIGNALS, Payments, Receivables

# ------------------------------------------------------------------------------------------ labels

def inst_label(instrument: str, lang: str) -> str:
    """An instrument's display name; ids without a string (user-added rows) show as they are."""
    try:
        return t(f"payments.inst_{instrument}", lang)
    except KeyError:
        return instrument


def tier_label(pay: Payments, tier: str, lang: str) -> str:
    return pay.tiers[tier].label(lang)


def paren(text: str, lang: str) -> str:
    """A parenthetical after a name: full-width brackets in Chinese."""
    return f"（{text}）" if lang == "zh-TW" else f" ({text})"


def days_text(days: float, lang: str) -> str:
    """A number of days: "45 days" / "45 天"; a dash when unknown."""
    return DASH if not np.isfinite(days) else f"{number(days, lang)} {t('payments.days', lang)}"


def _days_text(base: int, adds: str, lang: str) -> str:
    parts = [t(f"payments.adds_{a}", lang) for a in adds.split("+") if a != "none"]
    if not parts:
        return f"{base:+d}".replace("+", "") if base >= 0 else f"{base}"
    return " + ".join(parts) + (f" {'+' if base >= 0 else '−'} {abs(base)}" if base else "")


def breakeven_text(be: BreakEven, lang: str) -> str:
    """The break-even annual PD, or in words why there is none."""
    if be.status == "crosses":
        return percent(be.pd, lang, 2)
    return t(f"payments.be_{be.status}", lang)


# ------------------------------------------------------------------------------------------ tables

def instruments_table(instruments: pd.DataFrame, pay: Payments, lang: str) -> pd.DataFrame:
    """The instruments as a teaching table: rules, seller's fees, days to cash and who carries which risk."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    rows = []
    for name, r in instruments.iterrows():
        fee = t("payments.fee_text", lang, pct=percent(r["seller_fee_pct"], lang, 2),
                min=number(r["seller_fee_min"], lang), fixed=number(r["seller_fee_fixed"], lang))
        if r["seller_risk"] == "confirming_bank":
            fee += t("payments.fee_plus", lang,
                     what=f"{c('col_confirmation')} {percent(pay.lc.confirmation_fee_pct, lang, 2)}")
        if r["insured"]:
            fee += t("payments.fee_plus", lang, what=c("col_premium"))
        rows.append({
            c("col_instrument"): inst_label(name, lang), c("col_rules"): c(f"rules_{r['rules']}"),
            c("col_seller_fees"): fee,
            c("col_days_to_cash"): _days_text(int(r["cash_days"]), r["cash_adds"], lang),
            c("col_seller_risk"): c(f"risk_{r['seller_risk']}"), c("col_buyer_risk"): c(f"brisk_{r['buyer_risk']}"),
            c("col_doc_risk"): c(f"doc_{r['doc_risk_on']}"),
        })
    return pd.DataFrame(rows)


def costs_table(costs: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One deal's costs per instrument, as shares of the deal, with the acceptability verdict."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    pct = lambda x: percent(x, lang, 2)  # noqa: E731
    rows = []
    for name, r in costs.sort_values("total").iterrows():
        A = r["total"] / r["total_pct"] if r["total_pct"] else np.nan
        rows.append({
            c("col_instrument"): inst_label(name, lang),
            c("col_fees"): pct((r["fees"] + r["insurance"]) / A), c("col_financing"): pct(r["financing"] / A),
            c("col_expected_loss"): pct(r["expected_loss_pct"]), c("col_total"): pct(r["total_pct"]),
            c("col_buyer_extra"): pct(r["buyer_extra_pct"]),
            c("col_verdict"): c("ok") if r["acceptable"] else c(f"why_{r['reason']}"),
        })
    return pd.DataFrame(rows)


def terms_table(rec: pd.DataFrame, pay: Payments, lang: str,
                breakevens: dict[str, BreakEven] | None = None) -> pd.DataFrame:
    """Recommended terms per customer tier (the report chapter's first table)."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    pct = lambda x: percent(x, lang, 2)  # noqa: E731
    rows = []
    for tier, r in rec.iterrows():
        name = inst_label(r["instrument"], lang) + (paren(c("negotiate"), lang) if r["negotiate"] else "")
        row = {
            c("col_tier"): tier_label(pay, tier, lang), c("col_pd"): percent(pay.tiers[tier].annual_pd, lang, 1),
            c("col_recommended"): name, c("col_total"): pct(r["total_pct"]),
            c("col_expected_loss"): pct(r["expected_loss_pct"]), c("col_buyer_extra"): pct(r["buyer_extra_pct"]),
            c("col_runner_up"): (inst_label(r["runner_up"], lang) + paren(pct(r["runner_up_pct"]), lang)
                                 if isinstance(r["runner_up"], str) else DASH),
        }
        if breakevens is not None:
            row[c("col_breakeven")] = breakeven_text(breakevens[tier], lang)
        rows.append(row)
    return pd.DataFrame(rows)


def _utilisation(u: float, lang: str) -> str:
    if np.isinf(u):
        return "∞"
    return percent(u, lang, 0)


def limits_table(limits: pd.DataFrame, pay: Payments, lang: str) -> pd.DataFrame:
    """Credit limits per customer (``credit_limits``) for display."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    amounts = lambda col: [money(x, CURRENCY, lang) for x in limits[col]]  # noqa: E731
    return pd.DataFrame({
        c("col_customer"): limits.index, c("col_tier"): [tier_label(pay, x, lang) for x in limits["tier"]],
        c("col_terms"): [f"{inst_label(i, lang)} {d} {c('days')}" if d else inst_label(i, lang)
                         for i, d in zip(limits["terms"], limits["terms_days"])],
        c("col_need"): amounts("need"), c("col_limit"): amounts("limit"),
        c("col_insured_part"): amounts("insured_part"), c("col_exposure"): amounts("exposure"),
        c("col_utilisation"): [_utilisation(u, lang) for u in limits["utilisation"]],
        c("col_status"): [c(f"status_{s}") for s in limits["status"]],
    })


def kyb_table(names: list[str], kyb: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Offline company-number checks (``kyb_check``) for display, one row per company."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    verdict = [c("kyb_valid") if v is True else (c("kyb_unknown") if v is None else c("kyb_invalid")) for v in kyb["valid"]]
    return pd.DataFrame({
        c("col_company"): list(names), c("col_country"): [country_name(x, lang) for x in kyb["country"]],
        c("col_number"): kyb["number"].replace("", DASH).to_numpy(), c("col_kyb"): verdict,
        c("col_reason"): [c(f"kyb_reason_{r}") if r else DASH for r in kyb["reason"]],
        c("col_validator"): kyb["validator"].replace("", DASH).to_numpy(),
    })


def screening_table(orders: pd.DataFrame, scores: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Fraud screening per order: amount, the signals present, score and call."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    sep = "、" if lang == "zh-TW" else ", "
    present = [sep.join(c(f"sig_{s}") for s in SIGNALS if scores.at[o, s] > 0) or DASH for o in scores.index]
    return pd.DataFrame({
        c("col_order"): scores.index, c("col_company"): orders.loc[scores.index, "customer"].to_numpy(),
        c("col_amount"): [money(x, CURRENCY, lang) for x in orders.loc[scores.index, "amount"]],
        c("col_signals"): present, c("col_score"): [number(x, lang) for x in scores["score"]],
        c("col_decision"): [c(f"decision_{d}") for d in scores["decision"]],
    })


def aging_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """An aging table (``aging``) for display, largest open total first."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    table = table.sort_values("total", ascending=False)
    out = pd.DataFrame({c("col_customer") if table.index.name == "customer" else "": table.index})
    for b in BUCKETS:
        out[c(f"bucket_{b}")] = [money(x, CURRENCY, lang) for x in table[b]]
    out[c("col_ar_total")] = [money(x, CURRENCY, lang) for x in table["total"]]
    out[c("col_overdue_share")] = [percent(x, lang, 0) for x in table["overdue_share"]]
    return out


def receivables_summary(k: dict[str, Any], rec: Receivables, lang: str) -> pd.DataFrame:
    """The receivables KPIs (``receivables_kpis``) as a two-column table."""
    c = lambda key, **kw: t(f"payments.{key}", lang, **kw)  # noqa: E731
    days = lambda x: days_text(x, lang)  # noqa: E731
    rows = [
        (c("kpi_ar"), money(k["ar"], CURRENCY, lang)),
        (c("kpi_overdue"), f"{money(k['overdue'], CURRENCY, lang)} ({percent(k['overdue_share'], lang, 0)})"),
        (c("kpi_over_90"), money(k["over_90"], CURRENCY, lang)),
        (c("kpi_dso", method=c(f"method_{rec.dso_method}")), days(k["dso"])),
        (c("kpi_dso_other", method=c("method_standard" if rec.dso_method == "countback" else "method_countback")),
         days(k["dso_standard"] if rec.dso_method == "countback" else k["dso_countback"])),
        (c("kpi_bpdso"), days(k["bpdso"])), (c("kpi_add"), days(k["add"])),
        (c("kpi_cei"), cei_text(k["cei"], lang)),
        (c("kpi_short", months=rec.months),
         money(k["short_paid"], CURRENCY, lang) + (f" · {c('reason_' + k['top_reason'])}" if k["top_reason"] else "")),
    ]
    return pd.DataFrame(rows, columns=[c("col_kpi"), c("col_value")])


def cei_text(cei: float, lang: str) -> str:
    """The collection effectiveness index (computed in percent, 0-100) as a percentage."""
    return percent(cei / 100, lang, 0)


# ------------------------------------------------------------------------------------------ headline

def headline(pay: Payments, rec: pd.DataFrame, be: BreakEven, kpis: dict[str, Any] | None, lang: str,
             market: str) -> tuple[str, str, float]:
    """The chapter's headline: the recommended term for the deal's tier, the break-even PD and the DSO."""
    tier = pay.deal.tier
    r = rec.loc[tier]
    cost = percent(r["total_pct"], lang, 2)
    fields = dict(market=market, tier=tier_label(pay, tier, lang), instrument=in_sentence(inst_label(r["instrument"], lang), lang),
                  cost=cost, be=breakeven_text(be, lang), ref=in_sentence(inst_label(be.reference, lang), lang))
    if kpis is not None and kpis["ar"] > 0:
        text = t("payments.headline", lang, dso=number(kpis["dso"], lang),
                 overdue=percent(kpis["overdue_share"], lang, 0), **fields)
    else:
        text = t("payments.headline_no_ledger", lang, **fields)
    key = t("payments.headline_figure", lang, instrument=inst_label(r["instrument"], lang), cost=cost)
    return text, key, float(r["total_pct"])
