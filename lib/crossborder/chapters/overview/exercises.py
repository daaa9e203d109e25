"""Helpers for the overview workshop's quiz exercise: the quiz as participants see it and its answer key."""

from __future__ import annotations

import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.i18n import t

from .data import GLOSSARY_FILE, text_column
from .model import Quiz, quiz_meaning, quiz_term


def quiz_table(quiz: Quiz) -> pd.DataFrame:
    """The quiz as participants see it: numbered terms beside lettered meanings, in the quiz's language."""
    lang = quiz.lang
    return pd.DataFrame({
        t("overview.col_number", lang): range(1, len(quiz.terms) + 1),
        t("overview.col_term", lang): quiz.labels,
        t("overview.col_letter", lang): quiz.options.index,
        t("overview.col_meaning", lang): quiz.options["meaning"].to_numpy(),
    })


def quiz_key(glossary: pd.DataFrame, quiz: Quiz) -> pd.DataFrame:
    """The answer key, built from the glossary: for each quiz term, the letter of the option that holds the
    glossary's definition of that term (hidden the same way). Raises InputError when a term is not in the
    glossary or no option (or more than one) carries its definition: a quiz that does not fit the glossary.
    Columns: term, label (as shown), letter, meaning, section."""
    indexed = glossary.set_index("term")
    by_term = indexed[text_column(quiz.lang)]
    rows = []
    for term in quiz.terms:
        if term not in by_term.index:
            raise InputError(f"quiz: term {term!r} is not in {GLOSSARY_FILE.name}")
        meaning = quiz_meaning(term, by_term[term], quiz.lang)
        letters = list(quiz.options.index[quiz.options["meaning"] == meaning])
        if len(letters) != 1:
            raise InputError(f"quiz: expected one option defining {term!r}, found {len(letters)}")
        rows.append({"term": term, "label": quiz_term(term, by_term[term], quiz.lang), "letter": letters[0],
                     "meaning": meaning, "section": int(indexed.at[term, "section"])})
    return pd.DataFrame(rows, index=pd.RangeIndex(1, len(rows) + 1, name="number"))


def quiz_key_table(key: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The answer key for display: number, term, the right letter, the meaning and the outline section
    where the term first appears (where to look it up again)."""
    return pd.DataFrame({
        t("overview.col_number", lang): key.index,
        t("overview.col_term", lang): key["label"].to_numpy(),
        t("overview.col_answer", lang): key["letter"].to_numpy(),
        t("overview.col_meaning", lang): key["meaning"].to_numpy(),
        t("overview.col_section", lang): key["section"].to_numpy(),
    })
