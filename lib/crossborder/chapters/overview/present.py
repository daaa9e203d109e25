"""The overview chapter's display tables and texts: the glossary, the syllabus, the headline and the talking
points for the workshop deck."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crossborder.core import facts
from crossborder.core.fmt import percent_setting
from crossborder.core.i18n import country_in_text, plural, t
from crossborder.scenario import Scenario

from .data import text_column
from .model import glossary_quiz


def glossary_table(glossary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The glossary as a display table in one language, ordered by section then term."""
    table = glossary.sort_values(["section", "term"])[["term", text_column(lang), "section"]]
    return table.rename(columns={
        "term": t("overview.col_term", lang), text_column(lang): t("overview.col_meaning", lang),
        "section": t("overview.col_section", lang),
    }).reset_index(drop=True)


def syllabus_table(syllabus: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The outline's sections with the question each answers, in one language."""
    c = text_column(lang)
    table = syllabus[[f"title_{c}", f"question_{c}"]].copy()
    table.columns = [t("overview.col_topic", lang), t("overview.col_question", lang)]
    table.index.name = t("overview.col_section", lang)
    return table


def headline(glossary: pd.DataFrame, lang: str) -> tuple[str, str, int]:
    """The chapter's headline sentence, its key figure, and the number behind it."""
    counts = glossary.groupby("section").size()
    top = int(counts.idxmax())
    n = len(glossary)
    return (t("overview.headline", lang, n=n, top=top, top_n=int(counts.max())),
            t("overview.headline_figure", lang, n=n), n)


def headline_points(glossary: pd.DataFrame, syllabus: pd.DataFrame, scn: Scenario, lang: str, as_of: date) -> list[str]:
    """Two talking points for the workshop deck, adding to the headline: the market's import VAT, customs-value
    basis and trade agreements, and the sections this market's glossary quiz draws on."""
    m = scn.market
    quiz = glossary_quiz(glossary, m.code, lang)
    sections = sorted(int(x) for x in glossary.set_index("term").loc[list(quiz.terms), "section"])
    k = len(m.trade_agreements)
    fta = ("overview.point_fta_yes" if m.fta_with_taiwan else
           "overview.point_fta_no_one" if k == 1 else "overview.point_fta_no")
    rate = facts.import_vat(m.code, as_of).rate
    vat = (t("overview.point_vat_zero", lang) if rate == 0 else
           t("overview.point_vat", lang, rate=percent_setting(rate, lang)))
    return [
        t("overview.point_market", lang, market=country_in_text(m.code, lang, start=True), vat=vat,
          basis=m.customs_value_basis, agreements=plural("overview.point_agreements", k, lang, fta=t(fta, lang))),
        t("overview.point_quiz", lang, market=country_in_text(m.code, lang), n=len(quiz.terms),
          sections=t("overview.list_sep", lang).join(str(x) for x in sections)),
    ]
