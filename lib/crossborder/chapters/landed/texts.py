"""Generated texts of the landed-cost chapter: the headline, the talking points, the FTA saving paragraph,
the lapsed-measure warning and the facts-to-verify callout.

These are the notebook-facing layer: where the caller does not pass the Incoterms or compliance table, it is
read here (``data``), and handed to the pure model.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from crossborder.core.fmt import money, number, percent
from crossborder.core.i18n import check_lang, country_in_text, country_name, plural, t
from crossborder.scenario import Scenario

from .data import load_compliance, load_incoterms
from .model import alternatives, ddp_vat, fta_saving, quote
from .model_duty import facts_to_verify, resolve
from .model_readiness import market_readiness


def headline(scn: Scenario, lang: str, as_of: date | None = None, *, incoterms: pd.DataFrame | None = None,
             compliance: pd.DataFrame | None = None) -> tuple[str, str, float]:
    """The chapter's headline sentence, key figure (landed cost over ex-works) and its number."""
    check_lang(lang)
    incoterms = load_incoterms() if incoterms is None else incoterms
    q = quote(scn, as_of=as_of, incoterms=incoterms)
    sav = fta_saving(scn, as_of=as_of, incoterms=incoterms)
    r = market_readiness(scn, load_compliance() if compliance is None else compliance)
    cur = q.resolved.currency
    s = q.summary
    if sav["applies"]:
        saving = t("landed.headline_saving", lang, amount=money(sav["per_year"], cur, lang))
    else:
        alt = alternatives(scn, as_of=as_of, incoterms=incoterms)
        alt = alt[alt["per_year"] > 0]
        saving = t("landed.headline_no_saving_" + sav["reason"], lang)
        if len(alt):
            best = alt.iloc[0]
            saving += t("landed.headline_alternative", lang, origin=country_name(best.name, lang),
                        agreement=best["agreement"], amount=money(best["per_year"], cur, lang))
    text = t("landed.headline", lang, rule=q.rule, landed=money(s["landed"], cur, lang), uplift=s["uplift"],
             saving=saving, share=r.share_done, ready=plural("landed.headline_ready", round(r.days_to_ready), lang))
    if q.resolved.expired:
        last = max(m.valid_until for m in q.resolved.expired)
        text += t("landed.headline_lapsed", lang, date=last)
    return text, t("landed.headline_figure", lang, uplift=s["uplift"]), float(s["uplift"])


def _brief(text: str, lang: str) -> str:
    """A checklist label short enough for a slide: no parentheses, the part before a colon, and at most
    about 45 characters (28 in Chinese), cut at a comma or a word boundary."""
    limit = 28 if lang == "zh-TW" else 45
    text = re.sub(r"\s*[（(][^）)]*[）)]", "", text)
    text = re.split(r"：|: ", text, maxsplit=1)[0].strip()
    if len(text) > limit:
        text = re.split(r"，|, ", text, maxsplit=1)[0].strip()
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] and lang == "en" else text[:limit]
        text = cut.rstrip(" ,，") + "…"
    return text


def talking_points(scn: Scenario, lang: str, as_of: date | None = None, *, incoterms: pd.DataFrame | None = None,
                   compliance: pd.DataFrame | None = None) -> list[str]:
    """Three sentences for the workshop slide, with this market's numbers, in the report's language (the
    headline already gives the landed cost and the FTA saving): what customs taxes and on what value, what
    quoting DDP would do, and the compliance critical path."""
    check_lang(lang)
    incoterms = load_incoterms() if incoterms is None else incoterms
    q = quote(scn, as_of=as_of, incoterms=incoterms)
    s, cur, res = q.summary, q.resolved.currency, q.resolved
    market = country_in_text(scn.code, lang, start=True)
    if res.domestic:
        points = [t("landed.pt_domestic", lang, market=country_in_text(scn.code, lang))]
    else:
        points = [t("landed.pt_customs", lang, cv=money(s["customs_value"], cur, lang), basis=res.basis,
                    duty=money(s["duty"], cur, lang),
                    rate=percent(s["duty"] / s["customs_value"], lang, 1) if s["customs_value"] else percent(0, lang, 0),
                    fees=money(s["fees"], cur, lang), vat=money(s["import_vat"], cur, lang))]
        trap = ddp_vat(scn, as_of=as_of, incoterms=incoterms)
        extra = trap["ddp_unregistered"] - trap["ddp_registered"]
        if extra > 0:
            points.append(t("landed.pt_ddp", lang, market=market, vat=money(extra, cur, lang),
                            share=percent(extra / s["goods"], lang, 1)))
        else:
            points.append(t("landed.pt_ddp_no_vat", lang, market=market, duty=money(s["duty"] + s["fees"], cur, lang)))
    r = market_readiness(scn, load_compliance() if compliance is None else compliance)
    c = "zh_TW" if lang == "zh-TW" else "en"
    labels = r.table.set_index("item")[f"label_{c}"]
    path = " → ".join(_brief(labels[i], lang) for i in r.critical_path)
    share = percent(r.share_done, lang, 0)
    points.append(plural("landed.pt_ready", round(r.days_to_ready), lang, share=share, days=number(r.days_to_ready, lang), path=path)
                  if r.critical_path else t("landed.pt_ready_now", lang, share=share))
    return points


def saving_text(scn: Scenario, lang: str, as_of: date | None = None, *,
                incoterms: pd.DataFrame | None = None) -> str:
    """One paragraph on the FTA saving of the default shipment (or why there is none, and the potential)."""
    check_lang(lang)
    incoterms = load_incoterms() if incoterms is None else incoterms
    sav = fta_saving(scn, as_of=as_of, incoterms=incoterms)
    cur = sav["currency"]
    if sav["applies"]:
        agreement = resolve(scn, as_of=as_of, fta=True).agreement
        return t("landed.saving_text", lang, per_shipment=money(sav["per_shipment"], cur, lang),
                 per_year=money(sav["per_year"], cur, lang), agreement=agreement)
    reason = t("landed.headline_no_saving_" + sav["reason"], lang)
    alt = alternatives(scn, as_of=as_of, incoterms=incoterms)
    alt = alt[alt["per_year"] > 0]
    if len(alt):
        best = alt.iloc[0]
        return t("landed.saving_alternative", lang, reason=reason, origin=country_name(best.name, lang),
                 agreement=best["agreement"], per_shipment=money(best["per_shipment"], cur, lang),
                 per_year=money(best["per_year"], cur, lang))
    return t("landed.saving_none", lang, reason=reason)


def expired_text(scn: Scenario, lang: str, as_of: date | None = None) -> str | None:
    """A warning when measures recorded for the shipment's origin expired before the report date."""
    res = resolve(scn, as_of=as_of)
    if not res.expired:
        return None
    latest = max(res.expired, key=lambda m: m.valid_until)
    return t("landed.expired_warning", lang, origin=country_name(res.origin, lang),
             measures=f"{latest.name(lang)}, {t('landed.until', lang)} {latest.valid_until}")


def verify_text(scn: Scenario, on: date, lang: str) -> str:
    """The callout over the facts-to-verify table: how many facts need re-checking."""
    return t("landed.verify_callout", lang, n=len(facts_to_verify(scn, on)))
