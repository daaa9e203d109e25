"""The overview chapter's model: glossary search and the glossary quiz (drawn per market, answers hidden)."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

import pandas as pd

from crossborder.core import stats
from crossborder.core.errors import InputError
from crossborder.core.i18n import check_lang

from .data import text_column


def search_glossary(glossary: pd.DataFrame, query: str = "", section: int = 0) -> pd.DataFrame:
    """Terms whose name or definition (either language) contains ``query``; ``section`` 0 means all."""
    mask = pd.Series(True, index=glossary.index)
    if section:
        mask &= glossary["section"] == section
    query = query.strip().lower()
    if query:
        hay = (glossary["term"] + " " + glossary["en"] + " " + glossary["zh_TW"]).str.lower()
        mask &= hay.str.contains(query, regex=False)
    return glossary[mask]


# ------------------------------------------------------------------------------------- glossary quiz

QUIZ_SIZE = 5
_BLANK = {"en": "___", "zh-TW": "＿＿"}
_LABEL_END = re.compile(r"[:：]")


def quiz_seed(market: str) -> int:
    """The quiz's random seed from a market code: the code's ASCII bytes read as one number ("DE" -> 17477).

    Stable across runs and machines (Python's ``hash`` of a string is salted per process), so every
    participant working on the same market gets the same quiz.
    """
    code = market.strip().upper() if isinstance(market, str) else market
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{2}", code):
        raise InputError(f"market: expected an ISO 3166-1 alpha-2 code such as DE, found {market!r}")
    return int.from_bytes(code.encode("ascii"), "big")


def _split_label(text: str) -> tuple[str, str]:
    """(label, body) of a definition: the label is the part before the first colon, when it is short and not
    itself a sentence ("DMU（Decision-Making Unit，決策單位）", "Free On Board (Incoterms 2020, ...)");
    otherwise the label is empty and the body is the whole text."""
    found = _LABEL_END.search(text)
    if found and found.start() <= 110 and not re.search(r"[;；。]", text[: found.start()]):
        return text[: found.start()].strip(), text[found.end():].strip()
    return "", text.strip()


def _names(term: str, label: str, lang: str) -> set[str]:
    """The words that would give the answer away: the term and its ``/`` parts, the label's name before any
    bracket and, in Chinese, each name inside the bracket (the expansion and the Chinese name)."""
    names = {term, *term.split("/")}
    head = re.split(r"[（(]", label, maxsplit=1)[0]
    bracket = re.search(r"[（(](.*)[）)]", label)
    names |= {head, *head.split("/")} if head else set()
    if lang == "zh-TW" and bracket:
        names |= set(re.split(r"[，,]", bracket.group(1))) | set(bracket.group(1).split("/"))
    return {n.strip() for n in names if len(n.strip()) >= 2}


def quiz_meaning(term: str, text: str, lang: str) -> str:
    """A definition with the answer hidden: the leading label that spells the term out (everything before
    the first colon, when that label is short and not itself a sentence) is dropped, and the term, its
    ``/``-separated parts and the label's names are blanked wherever they still appear."""
    check_lang(lang)
    label, body = _split_label(text)
    for name in sorted(_names(term, label, lang), key=len, reverse=True):
        body = re.sub(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", _BLANK[lang], body, flags=re.IGNORECASE)
    return body[:1].upper() + body[1:] if lang == "en" else body


def quiz_term(term: str, text: str, lang: str) -> str:
    """How a quiz names a term: the term itself in English; in Chinese the glossary's label (the Chinese
    name with the term, e.g. 競品對標（Competitive Benchmarking）), or the term when there is none."""
    check_lang(lang)
    label, _ = _split_label(text)
    return label if lang == "zh-TW" and label else term


@dataclass(frozen=True)
class Quiz:
    """A matching exercise: ``terms`` (glossary keys) numbered 1..n and shown as ``labels``; ``options``
    their meanings shuffled under letters A.. (index letter, column ``meaning``), in ``lang``, for ``market``."""

    market: str
    lang: str
    terms: tuple[str, ...]
    labels: tuple[str, ...]
    options: pd.DataFrame


def glossary_quiz(glossary: pd.DataFrame, market: str, lang: str, n: int = QUIZ_SIZE) -> Quiz:
    """Draw ``n`` terms from the glossary (seeded by the market code, so a market's quiz never changes) and
    shuffle their meanings, answers hidden (:func:`quiz_meaning`). Terms come from ``n`` different sections
    of the outline while there are enough sections, so that one quiz walks across the topics."""
    check_lang(lang)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= min(len(glossary), 26):
        raise InputError(f"n: expected a whole number of terms from 2 to {min(len(glossary), 26)}, found {n!r}")
    rng = stats.rng(quiz_seed(market))
    order = rng.permutation(len(glossary))
    picked: list[int] = []
    sections: set[int] = set()
    for i in order:                                   # one term per section first ...
        if len(picked) < n and int(glossary["section"].iloc[i]) not in sections:
            picked.append(int(i))
            sections.add(int(glossary["section"].iloc[i]))
    picked += [int(i) for i in order if int(i) not in picked][: n - len(picked)]   # ... then any
    rows = glossary.iloc[picked]
    pairs = list(zip(rows["term"], rows[text_column(lang)]))
    meanings = [quiz_meaning(term, text, lang) for term, text in pairs]
    shuffled = rng.permutation(n)
    letters = list(string.ascii_uppercase[:n])
    options = pd.DataFrame({"meaning": [meanings[i] for i in shuffled]}, index=pd.Index(letters, name="letter"))
    return Quiz(market.strip().upper(), lang, tuple(rows["term"]),
                tuple(quiz_term(term, text, lang) for term, text in pairs), options)
