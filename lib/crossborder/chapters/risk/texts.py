"""Generated texts of the risk chapter: the method note, the summary paragraph, the headline and the
talking points."""

from __future__ import annotations

from crossborder.core.fmt import money, percent
from crossborder.core.i18n import country_in_text, country_name, in_sentence, plural, t

from .data import text
from .model import STAGES, Assessment, key_figures, overdue, return_period, top_risks
from .present import score_text


def method_note(a: Assessment, lang: str) -> str:
    """How the losses were simulated: trials, seed, PERT shape and the market's sales against the reference."""
    sec = a.section
    return t("risk.mc_note", lang, trials=a.sim.trials, seed=sec.seed, shape=sec.pert_shape,
             sales=money(sec.revenue, a.currency, lang), exposure=a.exposure)


def summary_text(a: Assessment, lang: str) -> str:
    """The chapter's findings for the market in one paragraph (Markdown)."""
    f = key_figures(a)
    sec, cur = a.section, a.currency
    shared = int((a.register["market"] == "all").sum())
    cut = 1 - f.expected["residual"] / f.expected["inherent"] if f.expected["inherent"] > 0 else 0.0
    within = f.p_exceed["residual"] <= sec.tolerance.probability
    return t("risk.summary", lang, market=country_name(a.code, lang), n=len(a.register), shared=shared,
             own=len(a.register) - shared, hi_in=f.high["inherent"], hi_res=f.high["residual"],
             el_in=money(f.expected["inherent"], cur, lang), el_res=money(f.expected["residual"], cur, lang),
             cut=cut, years=return_period(sec.tail_quantile), tail_in=money(f.tail["inherent"], cur, lang),
             tail_res=money(f.tail["residual"], cur, lang), tol=money(sec.tolerance.loss, cur, lang),
             p_res=f.p_exceed["residual"], verdict=t("risk.within" if within else "risk.beyond", lang),
             p_tol=sec.tolerance.probability)


def headline(a: Assessment, lang: str) -> tuple[str, str, float]:
    """The chapter's headline sentence, its key figure (residual expected loss a year) and that number."""
    f = key_figures(a)
    el_in, el_res = (money(f.expected[s], a.currency, lang) for s in STAGES)
    n_overdue = len(overdue(a.register, a.as_of))
    text_ = t("risk.headline", lang, market=country_in_text(a.code, lang), el_in=el_in, el_res=el_res,
              high=plural("risk.headline_high", int(f.high["residual"]), lang),
              overdue=plural("risk.headline_overdue", n_overdue, lang))
    return text_, t("risk.headline_figure", lang, el_res=el_res), round(f.expected["residual"], 0)


def talking_points(a: Assessment, lang: str) -> list[str]:
    """Three sentences for the workshop slide, with this market's numbers, in the report's language: the
    tail loss before and after mitigation, the tolerance check, and the top residual risk with its owner."""
    f = key_figures(a)
    sec, cur = a.section, a.currency
    within = f.p_exceed["residual"] <= sec.tolerance.probability
    top = top_risks(a).iloc[0]
    return [
        t("risk.pt_tail", lang, years=return_period(sec.tail_quantile), tail_in=money(f.tail["inherent"], cur, lang),
          tail_res=money(f.tail["residual"], cur, lang), n=len(a.register)),
        t("risk.pt_tolerance", lang, tol=money(sec.tolerance.loss, cur, lang), p_res=percent(f.p_exceed["residual"], lang),
          p_in=percent(f.p_exceed["inherent"], lang, 0), p_tol=percent(sec.tolerance.probability, lang, 0),
          verdict=t("risk.within" if within else "risk.beyond", lang)),
        t("risk.pt_top", lang, id=top["id"], risk=text(a.register.loc[[top["id"]]], "risk", lang).iloc[0],
          score=score_text(top["residual_score"], top["residual_band"], lang),
          owner=in_sentence(t(f"risk.owner_{top['owner']}", lang), lang),
          overdue=plural("risk.headline_overdue", len(overdue(a.register, a.as_of)), lang)),
    ]
