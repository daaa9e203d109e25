"""Display tables of the landed-cost chapter: the shipment's lines and summary, duties by origin, facts to
re-check, the Incoterms table, the compliance checklist and the market's import VAT facts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crossborder.core import facts
from crossborder.core.errors import InputError
from crossborder.core.fmt import DASH, money, number, percent, percent_setting
from crossborder.core.i18n import check_lang, country_name, t
from crossborder.scenario import Scenario

from .model import IN_CUSTOMS_VALUE, ITEMS, Quote, customs_value_mask, payer_matrix
from .model_duty import facts_to_verify, in_force, origins
from .model_readiness import Readiness
from .section import RULES


def nobreak(text: str) -> str:
    """Keep a short CJK label on one line in a printed table (word joiners between the characters)."""
    return "\u2060".join(text) if any("\u4e00" <= ch <= "\u9fff" for ch in text) else text


def _party(p: str, lang: str) -> str:
    return t(f"landed.party_{p}", lang)


def lines_table(q: Quote, lang: str) -> pd.DataFrame:
    """The waterfall as a table: item, amount, who pays, in the customs value, recoverable."""
    check_lang(lang)
    cur = q.resolved.currency
    df = q.lines[q.lines["amount"].abs() > 1e-9]
    yes, no = t("landed.answer_yes", lang), ""
    return pd.DataFrame({
        t("landed.col_item", lang): [t(f"landed.item_{i}", lang) for i in df["item"]],
        t("landed.col_amount", lang, currency=cur): [number(a, lang) for a in df["amount"]],
        t("landed.col_payer", lang): [_party(p, lang) for p in df["payer"]],
        t("landed.col_in_cv", lang): [yes if v else no for v in df["in_customs_value"]],
        t("landed.col_recoverable", lang): [yes if v else no for v in df["recoverable"]],
    })


def summary_table(q: Quote, lang: str) -> pd.DataFrame:
    """The shipment in figures: rule, origin, customs value, duty, fees, VAT, who pays, landed cost."""
    check_lang(lang)
    s, cur = q.summary, q.resolved.currency
    rows = [
        ("sum_rule", f"{q.rule} · {t('landed.mode_' + q.mode, lang)} · {q.quantity:,} {t('landed.units', lang)}"),
        ("sum_origin", country_name(q.resolved.origin, lang) + (f" ({t('landed.domestic', lang)})" if q.resolved.domestic else "")),
        ("sum_basis", t(f"landed.basis_{q.resolved.basis}", lang)),
        ("sum_goods", money(s["goods"], cur, lang)),
        ("sum_customs_value", money(s["customs_value"], cur, lang)),
        ("sum_duty", f"{money(s['duty'], cur, lang)} ({percent(s['duty'] / s['customs_value'], lang, 2)})"
         if s["customs_value"] else money(0, cur, lang)),
        ("sum_fees", money(s["fees"], cur, lang)),
        ("sum_vat", money(s["import_vat"], cur, lang) + (f" · {t('landed.recoverable_note', lang)}" if s["vat_recoverable"] > 0 else "")),
        ("sum_seller", money(s["seller_costs"], cur, lang)),
        ("sum_buyer", money(s["buyer_costs"], cur, lang)),
        ("sum_landed", f"{money(s['landed'], cur, lang)} ({percent(s['uplift'], lang, 1, signed=True)})"),
        ("sum_cash_out", money(s["cash_out"], cur, lang)),
    ]
    return pd.DataFrame({t("landed.col_item", lang): [t(f"landed.{k}", lang) for k, _ in rows],
                         t("landed.col_value", lang): [v for _, v in rows]})


def duty_table(scn: Scenario, lang: str, as_of: date | None = None) -> pd.DataFrame:
    """Duty measures by origin with legal basis, dates and verification, for the report."""
    if as_of is None:
        raise InputError("as_of: expected the report date (the duties in force depend on it), found none")
    on = as_of
    rows = []
    duties = facts.market(scn.code).duties
    mfn = facts.in_force(duties.mfn, on) or duties.mfn[-1]
    for origin, treat in origins(scn).items():
        name = nobreak(country_name(origin, lang))
        if treat.domestic:
            rows.append((name, t("landed.domestic_sale", lang), DASH, DASH, DASH))
            continue
        rows.append((name, t("landed.mfn", lang) + f" ({duties.schedule} {duties.line})", percent(mfn.rate, lang),
                     mfn.source, _fact_state(mfn.as_of, mfn.verified, lang)))
        for m in treat.additional:
            state = _fact_state(m.as_of, m.verified, lang)
            if m.valid_from or m.valid_until:
                period = f"{m.valid_from or '…'} – {m.valid_until or '…'}"
                flag = t("landed.in_force", lang) if in_force(m, on) else t("landed.not_in_force", lang)
                state = f"{period} ({flag}); {state}"
            rate = percent(m.rate, lang) + (f" {t('landed.of_duty', lang)}" if m.kind == "on_duty" else "")
            rows.append((name, m.name(lang), rate, m.legal_basis, state))
        if treat.preference is not None:
            p = treat.preference
            rows.append((name, f"{p.agreement}: {p.rule_of_origin(lang)}", percent(p.rate, lang), p.source,
                         _fact_state(p.as_of, p.verified, lang)))
    return pd.DataFrame(rows, columns=[t("landed.col_origin", lang), t("landed.col_measure", lang),
                                       t("landed.col_rate", lang), t("landed.col_basis", lang),
                                       t("landed.col_state", lang)])


def _fact_state(as_of: date, verified: bool, lang: str) -> str:
    return f"{t('common.as_of', lang)} {as_of}" + ("" if verified else f" · {t('landed.unverified', lang)}")


def verify_table(scn: Scenario, on: date, lang: str) -> pd.DataFrame:
    """:func:`facts_to_verify` as a table: each fact with its date, and why it needs re-checking."""
    check_lang(lang)
    df = facts_to_verify(scn, on)
    sep = "；" if lang == "zh-TW" else "; "
    facts = df["fact_zh_TW" if lang == "zh-TW" else "fact"]
    return pd.DataFrame({
        t("landed.col_fact", lang): [f"{f} ({t('common.as_of', lang)} {d})" if lang == "en" else f"{f}（{t('common.as_of', lang)} {d}）"
                                     for f, d in zip(facts, df["as_of"])],
        t("landed.col_why", lang): [sep.join(t(f"landed.why_{r}", lang) for r in rs) for rs in df["reasons"]],
    })


def incoterms_table(incoterms: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The eleven rules: name, transport mode, where risk passes, insurance minimum, description."""
    check_lang(lang)
    c = "zh_TW" if lang == "zh-TW" else "en"
    return pd.DataFrame({
        t("landed.col_rule", lang): incoterms.index,
        t("landed.col_name", lang): [nobreak(n) for n in incoterms[f"name_{c}"]],
        t("landed.col_mode", lang): [t(f"landed.rule_mode_{m}", lang) for m in incoterms["mode"]],
        t("landed.col_risk", lang): [t(f"landed.risk_{r}", lang) for r in incoterms["risk_transfer"]],
        t("landed.col_insurance", lang): [t("landed.ins_" + m.replace(" ", "_").replace("(", "").replace(")", "").replace("%", ""), lang)
                                          for m in incoterms["insurance_minimum"]],
        t("landed.col_description", lang): incoterms[f"description_{c}"].to_numpy(),
    })


def checklist_table(r: Readiness, lang: str) -> pd.DataFrame:
    """The compliance checklist (critical-path items starred): status, owner, days left, cost, basis."""
    check_lang(lang)
    df = r.table[r.table["status"] != "not_applicable"] if len(r.table) else r.table
    c = "zh_TW" if lang == "zh-TW" else "en"
    return pd.DataFrame({
        t("landed.col_check", lang): df[f"label_{c}"] + np.where(df["critical"], " ★", ""),
        t("landed.col_status", lang): [nobreak(t(f"landed.status_{s}", lang)) for s in df["status"]],
        t("landed.col_owner", lang): [nobreak(t(f"landed.owner_{o}", lang)) for o in df["owner"]],
        t("landed.col_days_left", lang): [number(d, lang) for d in df["remaining_days"]],
        t("landed.col_cost", lang): [number(c_, lang) for c_ in df["cost_twd"]],
        t("landed.col_basis", lang): df["basis"] + np.where(df["verified"], "", f" ({t('landed.unverified', lang)})"),
    })


def vat_facts(scn: Scenario, lang: str, as_of: date) -> pd.DataFrame:
    """The market's import VAT / GST in force on ``as_of`` (from the fact store) as a two-column table."""
    check_lang(lang)
    vat = facts.import_vat(scn.code, as_of)
    yes, no = t("landed.answer_yes", lang), t("landed.answer_no", lang)
    rows = [
        ("vat_name", vat.name), ("vat_rate", percent_setting(vat.rate, lang)), ("vat_base", vat.base(lang)),
        ("vat_recoverable", yes if vat.b2b_recoverable else no),
        ("vat_postponed", yes if vat.postponed_accounting else no),
        ("vat_post_border", yes if scn.landed.vat_base_includes_post_border_costs else no),
        ("vat_source", f"{vat.source} ({t('common.as_of', lang)} {vat.as_of})"),
        *((("vat_scope", vat.scope(lang)),) if vat.scope is not None else ()),
        ("vat_customs_basis", f"{scn.market.customs_value_basis}: {scn.market.customs_value_source}"),
    ]
    return pd.DataFrame({t("landed.col_item", lang): [t(f"landed.{k}", lang) for k, _ in rows],
                         t("landed.col_value", lang): [v for _, v in rows]})


def customs_value_table(scn: Scenario, lang: str, incoterms: pd.DataFrame) -> pd.DataFrame:
    """What each Incoterms rule counts in this market's customs value: the cost items (rows) by rule (columns),
    "✓" where the item is dutiable, "–" where it is not (``model.customs_value_mask`` on the payer matrix)."""
    check_lang(lang)
    basis = scn.market.customs_value_basis
    payers = payer_matrix(incoterms, RULES).to_numpy()
    mask = customs_value_mask(basis, payers)
    items = [i for i in ITEMS if i in IN_CUSTOMS_VALUE["CIF"]]
    cols = {r: ["✓" if mask[k, ITEMS.index(i)] else DASH for i in items] for k, r in enumerate(RULES)}
    return pd.DataFrame({t("landed.col_item", lang): [t(f"landed.item_{i}", lang) for i in items], **cols})
