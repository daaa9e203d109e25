"""Duty lookup: the duty, fee and VAT facts in force for one market, origin and date, bundled for the
arithmetic (``resolve``), the duty rates by origin (``duty_rates``), and the legal facts to re-check before
quoting (``facts_to_verify``).

Every read of the section's legal facts (tariff, additional measures, preferences, fees, de minimis) is in
this module, so that they can be rewired to another fact store in one place. Pure: a scenario in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.schema import Text
from crossborder.scenario import Scenario

from .section import Costs, Fee, Landed, Measure


@dataclass(frozen=True)
class DutyLine:
    """One duty component in force for a shipment."""

    label: Text
    kind: str             # "mfn", "preference", "ad_valorem", "on_duty", "stress"
    rate: float
    legal_basis: str
    verified: bool


@dataclass(frozen=True)
class Resolved:
    """Everything the arithmetic needs for one market, origin and date (a plain, validated bundle)."""

    market: str
    currency: str
    basis: str
    origin: str
    domestic: bool
    base_rate: float                       # MFN, or the preferential rate when applied
    mfn_rate: float
    preference_applied: bool
    preference_available: bool
    ad_valorem_extra: float                 # additional ad valorem duties in force + stress
    on_duty_rate: float                     # surcharges as a share of the duty
    duty_lines: tuple[DutyLine, ...]
    fees: tuple[Fee, ...]
    vat_rate: float
    vat_recoverable_by_buyer: bool
    vat_recoverable_by_seller: bool
    vat_post_border: bool
    de_minimis_duty: float | None
    de_minimis_vat: float | None
    costs: Costs
    insure_when_not_obliged: bool
    expired: tuple[Measure, ...] = field(default=())


def in_force(m: Measure, on: date) -> bool:
    return (m.valid_from is None or m.valid_from <= on) and (m.valid_until is None or on <= m.valid_until)


def resolve(scn: Scenario, *, origin: str | None = None, fta: bool | None = None, as_of: date | None = None,
            extra_duty: float | None = None, section: Landed | None = None) -> Resolved:
    """Bundle the market facts (``market`` section) and the ``landed`` section for one origin and date.

    ``fta`` claims the preference: it applies only when the origin has one (origin rule marked as met).
    """
    sec = section or scn.landed
    market = scn.market
    origin = (origin or sec.shipment.origin).upper()
    if origin not in sec.origins:
        raise InputError(f"origin: expected one of {', '.join(sec.origins)} (landed.origins of {scn.code}), found {origin!r}")
    plants = getattr(getattr(scn, "exporter", None), "origin_plants", None)
    if plants is not None and origin not in plants:
        raise InputError(f"origin: expected one of the exporter's plants {', '.join(plants)}, found {origin!r}")
    on = as_of or date.today()
    fta = sec.shipment.fta_origin_met if fta is None else bool(fta)
    extra = sec.shipment.stress_extra_duty if extra_duty is None else float(extra_duty)
    if not 0 <= extra <= 2:
        raise InputError(f"extra_duty: expected a rate from 0 to 2 (0-200 %), found {extra!r}")
    treat = sec.origins[origin]
    pref = treat.preference
    use_pref = bool(fta and pref is not None and not treat.domestic)
    base = pref.rate if use_pref else sec.tariff.mfn_rate
    lines = [DutyLine(Text(en=f"{pref.agreement} preferential rate", **{"zh-TW": f"{pref.agreement} 優惠稅率"}),
                      "preference", pref.rate, pref.source, pref.verified)] if use_pref else [
        DutyLine(Text(en=f"MFN rate ({sec.tariff.schedule} {sec.tariff.line})",
                      **{"zh-TW": f"最惠國稅率（{sec.tariff.schedule} {sec.tariff.line}）"}),
                 "mfn", sec.tariff.mfn_rate, sec.tariff.source, sec.tariff.verified)]
    ad_valorem = 0.0
    on_duty = 0.0
    expired = []
    for m in treat.additional:
        if in_force(m, on):
            lines.append(DutyLine(m.name, m.kind, m.rate, m.legal_basis, m.verified))
            if m.kind == "ad_valorem":
                ad_valorem += m.rate
            else:
                on_duty += m.rate
        elif m.valid_until is not None and m.valid_until < on:
            expired.append(m)
    if extra:
        lines.append(DutyLine(Text(en="Stress test: extra duty", **{"zh-TW": "壓力測試：額外關稅"}), "stress",
                              extra, "what-if", False))
        ad_valorem += extra
    vat = market.import_vat
    return Resolved(
        market=scn.code, currency=market.currency, basis=market.customs_value_basis, origin=origin,
        domestic=treat.domestic, base_rate=base, mfn_rate=sec.tariff.mfn_rate, preference_applied=use_pref,
        preference_available=pref is not None and not treat.domestic, ad_valorem_extra=ad_valorem,
        on_duty_rate=on_duty, duty_lines=tuple(lines), fees=tuple(sec.fees), vat_rate=vat.rate,
        vat_recoverable_by_buyer=vat.b2b_recoverable,
        vat_recoverable_by_seller=vat.b2b_recoverable and sec.seller_registered_for_vat,
        vat_post_border=sec.vat_base_includes_post_border_costs,
        de_minimis_duty=sec.de_minimis.duty_threshold, de_minimis_vat=sec.de_minimis.vat_threshold,
        costs=sec.costs, insure_when_not_obliged=sec.insure_when_not_obliged, expired=tuple(expired),
    )


def duty_rates(scn: Scenario, *, as_of: date | None = None, section: Landed | None = None) -> pd.DataFrame:
    """Per origin: MFN, additional duties in force, preferential rate, and the total with and without it."""
    sec = section or scn.landed
    rows = []
    for origin, treat in sec.origins.items():
        res = resolve(scn, origin=origin, fta=False, as_of=as_of, extra_duty=0.0, section=sec)
        mult = 1 + res.on_duty_rate
        mfn_total = 0.0 if treat.domestic else (res.mfn_rate + res.ad_valorem_extra) * mult
        pref = treat.preference
        pref_total = None if pref is None or treat.domestic else (pref.rate + res.ad_valorem_extra) * mult
        rows.append({"origin": origin, "domestic": treat.domestic, "mfn": 0.0 if treat.domestic else res.mfn_rate,
                     "additional": 0.0 if treat.domestic else res.ad_valorem_extra + res.on_duty_rate * (res.mfn_rate + res.ad_valorem_extra),
                     "total_mfn": mfn_total,
                     "agreement": pref.agreement if pref is not None else None,
                     "preferential": pref.rate if pref is not None else None, "total_preferential": pref_total})
    return pd.DataFrame(rows).set_index("origin")


def facts_to_verify(scn: Scenario, on: date, *, section: Landed | None = None) -> pd.DataFrame:
    """Legal facts of the market's landed section to check before quoting: unverified, older than
    ``stale_after_days``, past their review date, or measures that expired before ``on``."""
    sec = section or scn.landed
    rows: list[dict[str, Any]] = []

    def add(fact: Text, as_of: date, verified: bool, review_by: date | None = None, expired: date | None = None):
        reasons = []
        if not verified:
            reasons.append("unverified")
        if (on - as_of).days > sec.stale_after_days:
            reasons.append("old")
        if review_by is not None and on >= review_by:
            reasons.append("review_due")
        if expired is not None and expired < on:
            reasons.append("expired")
        if reasons:
            rows.append({"fact": fact.en, "fact_zh_TW": fact.zh_TW, "as_of": as_of, "reasons": tuple(reasons)})

    def both(en: str, zh: str) -> Text:
        return Text(en=en, **{"zh-TW": zh})

    tar = sec.tariff
    add(both(f"MFN rate, {tar.schedule} {tar.line}: {tar.mfn_rate:.1%}",
             f"最惠國稅率，{tar.schedule} {tar.line}：{tar.mfn_rate:.1%}"), tar.as_of, tar.verified)
    for origin, treat in sec.origins.items():
        # A lapsed measure needs checking only if nothing recorded replaces it: flag the last one to lapse
        # when no measure is in force on the date.
        lapsed = [m for m in treat.additional if m.valid_until is not None and m.valid_until < on]
        current = [m for m in treat.additional if in_force(m, on)]
        last = max(lapsed, key=lambda m: m.valid_until) if lapsed and not current else None
        for m in treat.additional:
            add(both(f"{origin}: {m.name.en}", f"{origin}：{m.name.zh_TW}"), m.as_of, m.verified,
                expired=m.valid_until if m is last else None)
        if treat.preference is not None:
            p = treat.preference
            add(both(f"{origin}: {p.agreement} preferential rate {p.rate:.1%}", f"{origin}：{p.agreement} 優惠稅率 {p.rate:.1%}"),
                p.as_of, p.verified)
    for fee in sec.fees:
        add(both(f"{fee.name.en}: {fee.rate:.4%}", f"{fee.name.zh_TW}：{fee.rate:.4%}"), fee.as_of, fee.verified,
            review_by=fee.review_by)
    add(both("De minimis thresholds", "免稅門檻"), sec.de_minimis.as_of, sec.de_minimis.verified)
    return pd.DataFrame(rows, columns=["fact", "fact_zh_TW", "as_of", "reasons"])
