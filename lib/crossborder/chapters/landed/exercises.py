"""Helpers for the landed-cost chapter's workshop exercises and their solutions: the any-mode rule, the same
shipment by sea and by air, and the FTA saving of one plant's goods across markets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from crossborder.core import schema
from crossborder.core.errors import InputError
from crossborder.core.fmt import money, number, percent
from crossborder.core.i18n import check_lang, country_name, t
from crossborder.scenario import Scenario

from .model import check_rules, fta_saving, quote
from .model_duty import duty_rates, origins
from .present import nobreak
from .section import MODES, Landed

# The any-mode rule closest to each sea-only rule (Incoterms 2020 introduction: FCA, CPT and CIP are the
# container and air counterparts of FOB, CFR and CIF).
ANY_MODE_RULE = {"FAS": "FCA", "FOB": "FCA", "CFR": "CPT", "CIF": "CIP"}


def any_mode_rule(rule: str) -> str:
    """``rule`` if it serves every transport mode, else its any-mode counterpart (FOB -> FCA, CIF -> CIP)."""
    rule = check_rules(rule)[0]
    return ANY_MODE_RULE.get(rule, rule)


def compare_modes(scn: Scenario, *, rule: str | None = None, quantity: int | None = None, origin: str | None = None,
                  fta: bool | None = None, as_of: date | None = None, section: Landed | None = None,
                  incoterms: pd.DataFrame) -> pd.DataFrame:
    """The same shipment by sea and by air, item by item (market currency), under one rule that serves both
    (the default rule, or its any-mode counterpart if it is a sea-only rule).

    Index: ``ITEMS``; columns ``sea``, ``air``, ``change`` (air - sea), ``in_customs_value``, ``payer``.
    ``attrs``: ``rule``, ``currency``, ``basis`` and per mode ``customs_value``, ``duty``, ``landed``.
    """
    sec = section or scn.landed
    rule = any_mode_rule(rule or sec.shipment.rule)
    quotes = {m: quote(scn, rule=rule, mode=m, quantity=quantity, origin=origin, fta=fta, as_of=as_of,
                       section=sec, incoterms=incoterms) for m in MODES}
    lines = {m: q.lines.set_index("item") for m, q in quotes.items()}
    out = pd.DataFrame({"sea": lines["sea"]["amount"], "air": lines["air"]["amount"]})
    out["change"] = out["air"] - out["sea"]
    out["in_customs_value"] = lines["sea"]["in_customs_value"]
    out["payer"] = lines["sea"]["payer"]
    res = quotes["sea"].resolved
    out.attrs.update(rule=rule, currency=res.currency, basis=res.basis,
                     customs_value={m: float(q.summary["customs_value"]) for m, q in quotes.items()},
                     duty={m: float(q.summary["duty"]) for m, q in quotes.items()},
                     landed={m: float(q.summary["landed"]) for m, q in quotes.items()})
    return out


def fta_by_market(origin: str, scenarios: Sequence[Scenario], *, as_of: date | None = None,
                  incoterms: pd.DataFrame) -> pd.DataFrame:
    """For goods made in ``origin`` and meeting the agreement's rule of origin: per market of ``scenarios``
    (``data.market_scenarios()`` gives the example markets), the agreement, MFN and preferential duty
    (additional duties included) and the saving of the market's default shipment, per shipment and per year
    (market currency). Markets whose scenario does not list ``origin`` as a plant are left out."""
    origin = schema._country(str(origin).upper())
    rows = []
    for scn in scenarios:
        if origin not in origins(scn):
            continue
        rates = duty_rates(scn, as_of=as_of).loc[origin]
        sav = fta_saving(scn, origin=origin, fta=True, as_of=as_of, incoterms=incoterms)
        rows.append({"market": scn.code, "currency": sav["currency"], "agreement": rates["agreement"],
                     "domestic": bool(rates["domestic"]), "total_mfn": float(rates["total_mfn"]),
                     "total_preferential": (float(rates["total_preferential"])
                                            if pd.notna(rates["total_preferential"]) else np.nan),
                     "per_shipment": sav["per_shipment"], "per_year": sav["per_year"], "reason": sav["reason"]})
    if not rows:
        raise InputError(f"origin: no market lists {origin!r} among its origin plants")
    return pd.DataFrame(rows).set_index("market")


def modes_table(cmp: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`compare_modes` as a table: each item by sea and by air, the change, and whether it is dutiable."""
    check_lang(lang)
    rows = cmp[(cmp["sea"].abs() > 1e-9) | (cmp["air"].abs() > 1e-9)]
    cur, yes = cmp.attrs["currency"], t("landed.answer_yes", lang)
    return pd.DataFrame({
        t("landed.col_item", lang): [t(f"landed.item_{i}", lang) for i in rows.index],
        t("landed.col_sea", lang, currency=cur): [number(v, lang) for v in rows["sea"]],
        t("landed.col_air", lang, currency=cur): [number(v, lang) for v in rows["air"]],
        t("landed.col_change", lang): [number(v, lang, signed=True) for v in rows["change"]],
        t("landed.col_in_cv", lang): [yes if v else "" for v in rows["in_customs_value"]],
    })


def fta_markets_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`fta_by_market` as a table: agreement, duty with and without it, the saving (market currency)."""
    check_lang(lang)
    return pd.DataFrame({
        t("landed.col_market", lang): [nobreak(country_name(c, lang)) for c in df.index],
        t("landed.col_agreement", lang): [a if isinstance(a, str) else
                                          t("landed.domestic" if d else "landed.no_agreement", lang)
                                          for a, d in zip(df["agreement"], df["domestic"])],
        t("landed.col_mfn_total", lang): [percent(v, lang) for v in df["total_mfn"]],
        t("landed.col_pref_total", lang): [percent(v, lang) for v in df["total_preferential"]],
        t("landed.col_saving_shipment", lang): [money(v, c, lang) for v, c in zip(df["per_shipment"], df["currency"])],
        t("landed.col_saving_year", lang): [money(v, c, lang) for v, c in zip(df["per_year"], df["currency"])],
    })
