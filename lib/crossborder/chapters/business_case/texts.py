"""Generated texts of the business case: the decision with its rule, the method note, headline, talking points."""

from __future__ import annotations

from crossborder.core.fmt import money, percent
from crossborder.core.i18n import country_name, t

from .present import Case, driver_label, payback_text


def decision_text(c: Case, lang: str) -> str:
    r = c.rule
    return t("business_case.decision_reason", lang, go=percent(r.go_p_npv, lang, 0), stop=percent(r.stop_p_npv, lang, 0),
             pmf=t(f"business_case.pmf_{c.ctx.pmf}", lang), p=percent(c.result.p_npv_positive, lang, 0),
             peak=money(float(c.peak_q()[0]), c.home, lang), budget=money(c.budget, c.home, lang))


def method_note(c: Case, lang: str, seed: int) -> str:
    return t("business_case.method_note", lang, draws=c.drivers.draws.n, months=c.inputs.months, seed=seed, home=c.home)


def headline(c: Case, lang: str) -> tuple[str, str, float]:
    """(sentence, key figure, NPV P50)."""
    p10, p50, p90 = c.npv_q()
    dec = t(f"business_case.decision_{c.decision}", lang)
    text = t("business_case.headline", lang, market=country_name(c.ctx.code, lang), decision=dec,
             npv=money(p50, c.home, lang), p10=money(p10, c.home, lang), p90=money(p90, c.home, lang),
             p=percent(c.result.p_npv_positive, lang, 0), peak=money(float(c.peak_q()[0]), c.home, lang),
             payback=payback_text(c, lang))
    return text, t("business_case.headline_figure", lang, decision=dec, npv=money(p50, c.home, lang)), round(float(p50), 0)


def talking_points(c: Case, lang: str) -> list[str]:
    rk = c.ranking()
    top = rk.index[0]
    peak50, peak90 = c.peak_q()
    return [
        t("business_case.pt_decision", lang, market=country_name(c.ctx.code, lang),
          decision=t(f"business_case.decision_{c.decision}", lang), p=percent(c.result.p_npv_positive, lang, 0),
          go=percent(c.rule.go_p_npv, lang, 0)),
        t("business_case.pt_cash", lang, peak=money(peak50, c.home, lang), peak90=money(peak90, c.home, lang),
          budget=money(c.budget, c.home, lang), payback=payback_text(c, lang)),
        t("business_case.pt_driver", lang, driver=driver_label(top, lang),
          chapter=t("business_case.chapter_ref", lang, n=rk.at[top, "chapter"]), share=percent(rk.at[top, "share"], lang, 0)),
    ]
