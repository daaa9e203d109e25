"""Duty lookup: the duty, fee and VAT facts in force for one market, origin and date, bundled for the
arithmetic (``resolve``), the duty rates by origin (``duty_rates``), and the legal facts to re-check before
quoting (``facts_to_verify``).

Duties (MFN, preferences, each additional measure with its window) and import VAT come from the dated fact
store (``crossborder.core.facts``), the same records chapter 01 ranks markets on, so both chapters show one
duty for the same goods and date. Fees and de minimis thresholds are this chapter's own legal facts (section
``landed``). Every read of a legal fact is in this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from crossborder.core import facts
from crossborder.core.errors import InputError
from crossborder.core.facts import Measure
from crossborder.core.schema import Text
from crossborder.scenario import Scenario

from .section import Costs, Fee, Landed


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
    agreement: str | None = None            # the agreement whose preference the origin could claim


def in_force(m: Measure, on: date) -> bool:
    return m.in_force(on)


def resolve(scn: Scenario, *, origin: str | None = None, fta: bool | None = None, as_of: date | None = None,
            extra_duty: float | None = None, section: Landed | None = None) -> Resolved:
    """Bundle the facts in force on ``as_of`` (duty and VAT from the fact store) and the ``landed`` section for
    one origin. ``fta`` claims the preference: it applies only when the origin has one (origin rule marked met).
    """
    sec = section or scn.landed
    market = scn.market
    origin = (origin or scn.exporter.origin).upper()
    plants = list(scn.exporter.origin_plants)
    if origin not in plants:
        raise InputError(f"origin: expected one of the exporter's plants {', '.join(plants)}, found {origin!r}")
    if as_of is None:
        raise InputError("as_of: expected the report date (the duty in force depends on it), found none")
    on = as_of
    fta = sec.shipment.fta_origin_met if fta is None else bool(fta)
    extra = sec.shipment.stress_extra_duty if extra_duty is None else float(extra_duty)
    if not 0 <= extra <= 2:
        raise InputError(f"extra_duty: expected a rate from 0 to 2 (0-200 %), found {extra!r}")
    d = facts.duty(scn.code, origin, on, claim_preference=fta)
    pref = d.preference
    use_pref = d.preference_applied
    if use_pref and pref is not None:
        lines = [DutyLine(Text(en=f"{pref.agreement} preferential rate", **{"zh-TW": f"{pref.agreement} 優惠稅率"}),
                          "preference", pref.rate, pref.source, pref.verified)]
    else:
        lines = [DutyLine(Text(en=f"MFN rate ({d.schedule} {d.line})", **{"zh-TW": f"最惠國稅率（{d.schedule} {d.line}）"}),
                          "mfn", d.mfn.rate, d.mfn.source, d.mfn.verified)]
    lines += [DutyLine(m.name, m.kind, m.rate, m.legal_basis, m.verified) for m in d.additional]
    ad_valorem, on_duty = d.ad_valorem_extra, d.on_duty_rate
    if extra:
        lines.append(DutyLine(Text(en="Stress test: extra duty", **{"zh-TW": "壓力測試：額外關稅"}), "stress",
                              extra, "what-if", False))
        ad_valorem += extra
    vat = facts.import_vat(scn.code, on)
    return Resolved(
        market=scn.code, currency=market.currency, basis=market.customs_value_basis, origin=origin,
        domestic=d.domestic, base_rate=d.base_rate, mfn_rate=d.mfn.rate, preference_applied=use_pref,
        preference_available=pref is not None and not d.domestic, ad_valorem_extra=ad_valorem,
        on_duty_rate=on_duty, duty_lines=tuple(lines), fees=tuple(sec.fees), vat_rate=vat.rate,
        vat_recoverable_by_buyer=vat.b2b_recoverable,
        vat_recoverable_by_seller=vat.b2b_recoverable and sec.seller_registered_for_vat,
        vat_post_border=sec.vat_base_includes_post_border_costs,
        de_minimis_duty=sec.de_minimis.duty_threshold, de_minimis_vat=sec.de_minimis.vat_threshold,
        costs=sec.costs, insure_when_not_obliged=sec.insure_when_not_obliged, expired=d.expired,
        agreement=pref.agreement if pref is not None else None,
    )


def origins(scn: Scenario) -> dict[str, facts.OriginTreatment]:
    """How the market treats goods of each origin the fact store lists (only the exporter's plants)."""
    plants = set(scn.exporter.origin_plants)
    return {o: t for o, t in facts.market(scn.code).duties.origins.items() if o in plants}


def duty_rates(scn: Scenario, *, as_of: date | None = None, section: Landed | None = None) -> pd.DataFrame:
    """Per origin: MFN, additional duties in force, preferential rate, and the total with and without it."""
    sec = section or scn.landed
    rows = []
    for origin, treat in origins(scn).items():
        res = resolve(scn, origin=origin, fta=False, as_of=as_of, extra_duty=0.0, section=sec)
        mult = 1 + res.on_duty_rate
        mfn_total = 0.0 if treat.domestic else (res.mfn_rate + res.ad_valorem_extra) * mult
        pref = treat.preference if treat.preference is not None and as_of and treat.preference.in_force(as_of) else None
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
        if (on - as_of).days > scn.facts.stale_after_days:
            reasons.append("old")
        if review_by is not None and on >= review_by:
            reasons.append("review_due")
        if expired is not None and expired < on:
            reasons.append("expired")
        if reasons:
            rows.append({"fact": fact.en, "fact_zh_TW": fact.zh_TW, "as_of": as_of, "reasons": tuple(reasons)})

    def both(en: str, zh: str) -> Text:
        return Text(en=en, **{"zh-TW": zh})

    duties = facts.market(scn.code).duties
    mfn = facts.in_force(duties.mfn, on) or duties.mfn[-1]
    add(both(f"MFN rate, {duties.schedule} {duties.line}: {mfn.rate:.1%}",
             f"最惠國稅率，{duties.schedule} {duties.line}：{mfn.rate:.1%}"), mfn.as_of, mfn.verified)
    vat = facts.import_vat(scn.code, on)
    add(both(f"Import VAT/GST {vat.name}: {vat.rate:.1%}", f"進口增值稅／商品服務稅 {vat.name}：{vat.rate:.1%}"),
        vat.as_of, vat.verified, expired=None)
    for origin, treat in origins(scn).items():
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
