"""Display tables of the risk chapter: the rating scales and bands, the families, the register, the top
risks, overdue reviews and the loss summary."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crossborder.core.fmt import money, percent
from crossborder.core.i18n import t

from .data import FAMILIES, text
from .model import (
    BANDS,
    IMPACT_SCALE,
    LIKELIHOOD_SCALE,
    RATINGS,
    STAGES,
    Assessment,
    band,
    key_figures,
    overdue,
    return_period,
    top_risks,
)


def family_label(family: str, lang: str) -> str:
    """A risk family's name in the report's language."""
    return t(f"risk.family_{family}", lang)


def score_text(score: int, band_name: str, lang: str) -> str:
    return t("risk.score_band", lang, score=int(score), band=t(f"risk.band_{band_name}", lang))


def _date_text(day: pd.Timestamp) -> str:
    """A date for a table cell: ISO with non-breaking hyphens, so a narrow column never splits it."""
    return day.date().isoformat().replace("-", "\u2011")


def _review_text(day: pd.Timestamp, as_of: date, lang: str) -> str:
    text_ = _date_text(day)
    return t("risk.overdue_mark", lang, date=text_) if day < pd.Timestamp(as_of) else text_


def scale_table(currency: str, lang: str) -> pd.DataFrame:
    """The rating scales in numbers: what 1..5 mean as events per year and as loss per event."""
    def ranges(edges, fmt):
        out = [t("risk.scale_below", lang, hi=fmt(edges[0]))]
        out += [t("risk.scale_between", lang, lo=fmt(lo), hi=fmt(hi)) for lo, hi in zip(edges[:-1], edges[1:])]
        return out + [t("risk.scale_above", lang, lo=fmt(edges[-1]))]

    return pd.DataFrame({
        t("risk.col_rating", lang): RATINGS,
        t("risk.col_likelihood", lang): [t(f"risk.likelihood_{r}", lang) for r in RATINGS],
        t("risk.col_frequency", lang): ranges(LIKELIHOOD_SCALE["edges"], lambda v: f"{v:g}"),
        t("risk.col_impact", lang): [t(f"risk.impact_{r}", lang) for r in RATINGS],
        t("risk.col_loss_per_event", lang): ranges(IMPACT_SCALE["edges"],
                                                                 lambda v: money(v, currency, lang)),
    })


def band_table(lang: str) -> pd.DataFrame:
    """The bands of the 5 x 5 matrix: which scores fall in each and what each calls for."""
    possible = sorted({int(a * b) for a in RATINGS for b in RATINGS})
    names = band(np.asarray(possible))
    rows = []
    for name, _ in BANDS:
        scores = [s for s, n in zip(possible, names) if n == name]
        rows.append((t(f"risk.band_{name}", lang), ", ".join(map(str, scores)), t(f"risk.action_{name}", lang)))
    return pd.DataFrame(rows, columns=[t("risk.col_band", lang), t("risk.col_scores", lang), t("risk.col_action", lang)])


def families_table(lang: str) -> pd.DataFrame:
    """The outline's risk families with typical risks and the mitigations the outline names."""
    return pd.DataFrame({
        t("risk.col_family", lang): [family_label(f, lang) for f in FAMILIES],
        t("risk.col_examples", lang): [t(f"risk.examples_{f}", lang) for f in FAMILIES],
        t("risk.col_mitigations", lang): [t(f"risk.mitigations_{f}", lang) for f in FAMILIES],
    })


def register_table(a: Assessment, lang: str) -> pd.DataFrame:
    """The market's register as a readable table: scores before and after, owner and review date."""
    reg = a.register.sort_values(["family", "id"], key=lambda s: s.map(FAMILIES.index) if s.name == "family" else s)
    return pd.DataFrame({
        t("risk.col_id", lang): reg["id"].to_numpy(),
        t("risk.col_family", lang): [family_label(f, lang) for f in reg["family"]],
        t("risk.col_risk", lang): text(reg, "risk", lang).to_numpy(),
        t("risk.col_movement", lang): _movement(reg, lang),
        t("risk.col_treatment", lang): [t(f"risk.treatment_{x}", lang) for x in reg["treatment"]],
        t("risk.col_owner", lang): [t(f"risk.owner_{o}", lang) for o in reg["owner"]],
        t("risk.col_review", lang): [_review_text(d, a.as_of, lang) for d in reg["next_review"]],
    })


def _movement(reg: pd.DataFrame, lang: str) -> list[str]:
    return [f"{score_text(s, b, lang)} → {score_text(rs, rb, lang)}"
            for s, b, rs, rb in zip(reg["score"], reg["band"], reg["residual_score"], reg["residual_band"])]


def top_risks_table(a: Assessment, lang: str) -> pd.DataFrame:
    """The top risks with their mitigation, owner and review date (overdue ones marked)."""
    top = top_risks(a)
    el = [t("risk.not_quantified", lang) if np.isnan(v) else money(v, a.currency, lang) for v in top["el_residual"]]
    return pd.DataFrame({
        t("risk.col_id", lang): top["id"].to_numpy(),
        t("risk.col_risk", lang): text(top, "risk", lang).to_numpy(),
        t("risk.col_movement", lang): _movement(top, lang),
        t("risk.col_mitigation", lang): text(top, "mitigation", lang).to_numpy(),
        t("risk.col_expected_residual", lang): el,
        t("risk.col_owner", lang): [t(f"risk.owner_{o}", lang) for o in top["owner"]],
        t("risk.col_review", lang): [_review_text(d, a.as_of, lang) for d in top["next_review"]],
    })


def overdue_table(a: Assessment, lang: str) -> pd.DataFrame | str:
    """Reviews overdue as of the report date, most overdue first (an empty text when there are none:
    ``overdue_text`` says so in words)."""
    late = overdue(a.register, a.as_of)
    if late.empty:
        return ""
    return pd.DataFrame({
        t("risk.col_id", lang): late["id"].to_numpy(),
        t("risk.col_risk", lang): text(late, "risk", lang).to_numpy(),
        t("risk.col_owner", lang): [t(f"risk.owner_{o}", lang) for o in late["owner"]],
        t("risk.col_review", lang): [_date_text(d) for d in late["next_review"]],
        t("risk.col_days_overdue", lang): late["days_overdue"].to_numpy(),
    })


def overdue_text(a: Assessment, lang: str) -> str:
    late = overdue(a.register, a.as_of)
    if late.empty:
        return t("risk.no_overdue", lang, date=a.as_of.isoformat())
    return t("risk.overdue_count", lang, n=len(late), total=len(a.register), date=a.as_of.isoformat(),
             days=int(late["days_overdue"].max()))


def loss_summary(a: Assessment, lang: str) -> pd.DataFrame:
    """Expected loss, its share of sales, the tail loss and the tolerance check, before and after mitigation."""
    f = key_figures(a)
    cur, sec = a.currency, a.section
    tol = money(sec.tolerance.loss, cur, lang)
    quantified = int(a.register["frequency"].notna().sum())
    rows = [
        (t("risk.metric_expected", lang), *[f"{money(f.expected[s], cur, lang)} ± {money(f.se[s], cur, lang)}" for s in STAGES]),
        (t("risk.metric_share", lang, sales=money(sec.revenue, cur, lang)),
         *[percent(f.expected[s] / sec.revenue, lang, 2) for s in STAGES]),
        (t("risk.metric_tail", lang, n=return_period(sec.tail_quantile), q=sec.tail_quantile),
         *[money(f.tail[s], cur, lang) for s in STAGES]),
        (t("risk.metric_exceed", lang, loss=tol, p=sec.tolerance.probability),
         *[f"{percent(f.p_exceed[s], lang)} · {t('risk.within' if f.p_exceed[s] <= sec.tolerance.probability else 'risk.beyond', lang)}"
           for s in STAGES]),
        (t("risk.metric_high", lang), *[str(f.high[s]) for s in STAGES]),
        (t("risk.metric_quantified", lang), f"{quantified} / {len(a.register)}", f"{quantified} / {len(a.register)}"),
    ]
    return pd.DataFrame(rows, columns=[t("risk.col_metric", lang), t("risk.before_mitigation", lang),
                                       t("risk.after_mitigation", lang)])
