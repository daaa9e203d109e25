"""The overview chapter: the outline's ten sections and the glossary of the trade's terms."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import stats, theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import check_lang, t
from crossborder.notebook.panel import ControlPanel
from crossborder.core.paths import DATA_DIR
from crossborder.core.tables import Column, read_table

GLOSSARY_FILE = DATA_DIR / "glossary.csv"
SYLLABUS_FILE = DATA_DIR / "syllabus.csv"
SECTIONS = range(1, 11)


def load_glossary(path=GLOSSARY_FILE) -> pd.DataFrame:
    """``term,en,zh_TW,section``: every term of art in the outline, with the section where it first appears."""
    return read_table(
        path,
        {"term": Column(unique=True), "en": Column(), "zh_TW": Column(), "section": Column("int", min=1, max=10)},
        key="term",
    )


def load_syllabus(path=SYLLABUS_FILE) -> pd.DataFrame:
    """The outline's ten sections: title, focus and the question each answers, in both languages."""
    text = Column()
    return read_table(
        path,
        {"section": Column("int", min=1, max=10, unique=True), "title_en": text, "title_zh_TW": text,
         "focus_en": text, "focus_zh_TW": text, "question_en": text, "question_zh_TW": text, "chapter": text},
        key="section",
    ).set_index("section")


def _col(lang: str) -> str:
    return "zh_TW" if lang == "zh-TW" else "en"


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


def glossary_table(glossary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The glossary as a display table in one language, ordered by section then term."""
    table = glossary.sort_values(["section", "term"])[["term", _col(lang), "section"]]
    return table.rename(columns={
        "term": t("overview.col_term", lang), _col(lang): t("overview.col_meaning", lang),
        "section": t("overview.col_section", lang),
    }).reset_index(drop=True)


def syllabus_table(syllabus: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = _col(lang)
    table = syllabus[[f"title_{c}", f"question_{c}"]].copy()
    table.columns = [t("overview.col_topic", lang), t("overview.col_question", lang)]
    table.index.name = t("overview.col_section", lang)
    return table


def terms_per_section_figure(glossary: pd.DataFrame, syllabus: pd.DataFrame, lang: str,
                             matches: pd.DataFrame | None = None) -> go.Figure:
    """Bar chart: how many terms of art each section introduces (and, with a search, how many match)."""
    counts = glossary.groupby("section").size().reindex(SECTIONS, fill_value=0)
    labels = [f"{s}. {syllabus.at[s, f'title_{_col(lang)}']}" for s in SECTIONS]
    fig = theme.figure(t("overview.chart_terms_title", lang), height=460)
    fig.add_bar(y=labels, x=counts.values, orientation="h", name=t("overview.all_terms", lang),
                marker_color=theme.SEQUENTIAL[2])
    if matches is not None:
        hits = matches.groupby("section").size().reindex(SECTIONS, fill_value=0)
        fig.add_bar(y=labels, x=hits.values, orientation="h", name=t("overview.matching_terms", lang),
                    marker_color=theme.COLORWAY[1])
    fig.update_layout(barmode="overlay", yaxis=dict(autorange="reversed", automargin=True),
                      xaxis_title=t("overview.axis_terms", lang), margin=dict(l=10))
    return fig


def panel(lang: str, glossary: pd.DataFrame | None = None, syllabus: pd.DataFrame | None = None) -> ControlPanel:
    """Searchable glossary for JupyterLab: a search box and a section filter drive the table and chart."""
    glossary = load_glossary() if glossary is None else glossary
    syllabus = load_syllabus() if syllabus is None else syllabus
    options = [(t("overview.all_sections", lang), 0)] + [
        (f"{s}. {syllabus.at[s, f'title_{_col(lang)}']}", s) for s in SECTIONS
    ]
    controls = {
        "query": widgets.Text(description=t("overview.search", lang), placeholder="LC, MOQ, 信用狀 ..."),
        "section": widgets.Dropdown(description=t("overview.col_section", lang), options=options, value=0),
    }

    def render(query: str, section: int) -> dict:
        hits = search_glossary(glossary, query, section)
        filtered = bool(query.strip()) or bool(section)
        return {
            "chart": terms_per_section_figure(glossary, syllabus, lang, matches=hits if filtered else None),
            "table": glossary_table(hits, lang),
        }

    return ControlPanel(controls, render, lang=lang)


def market_facts(scn, lang: str) -> pd.DataFrame:
    """The scenario's key assumptions as a two-column table (used here and on the report's cover)."""
    from crossborder.core.i18n import country_name

    m, e = scn.market, scn.exporter
    yes, no = t("overview.answer_yes", lang), t("overview.answer_no", lang)
    vat = m.import_vat
    rows = [
        ("fact_market", f"{country_name(m.code, lang)} ({m.code}) · {m.region(lang)}"),
        ("fact_currency", f"{m.currency} ({t('overview.home', lang)}: {e.home_currency})"),
        ("fact_languages", ", ".join(m.languages)),
        ("fact_customs_basis", m.customs_value_basis),
        ("fact_import_vat", f"{vat.name}: {vat.rate:.0%} · {vat.base(lang)}"),
        ("fact_vat_recoverable", yes if vat.b2b_recoverable else no),
        ("fact_agreements", ", ".join(m.trade_agreements)),
        ("fact_fta_taiwan", yes if m.fta_with_taiwan else no),
        ("fact_product", f"{e.product(lang)} · HS {e.hs_code}"),
        ("fact_plants", ", ".join(country_name(p, lang) for p in e.origin_plants)),
        ("fact_sources", f"{vat.source} ({t('common.as_of', lang)} {vat.as_of}); {m.customs_value_source}; "
                         f"{m.agreements_source} ({t('common.as_of', lang)} {m.agreements_as_of})"),
    ]
    return pd.DataFrame({t("overview.col_item", lang): [t(f"overview.{k}", lang) for k, _ in rows],
                         t("overview.col_value", lang): [v for _, v in rows]})


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
    pairs = list(zip(rows["term"], rows[_col(lang)]))
    meanings = [quiz_meaning(term, text, lang) for term, text in pairs]
    shuffled = rng.permutation(n)
    letters = list(string.ascii_uppercase[:n])
    options = pd.DataFrame({"meaning": [meanings[i] for i in shuffled]}, index=pd.Index(letters, name="letter"))
    return Quiz(market.strip().upper(), lang, tuple(rows["term"]),
                tuple(quiz_term(term, text, lang) for term, text in pairs), options)


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
    by_term = indexed[_col(quiz.lang)]
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


def headline(glossary: pd.DataFrame, lang: str) -> tuple[str, str, int]:
    """The chapter's headline sentence, its key figure, and the number behind it."""
    counts = glossary.groupby("section").size()
    top = int(counts.idxmax())
    n = len(glossary)
    return (t("overview.headline", lang, n=n, top=top, top_n=int(counts.max())),
            t("overview.headline_figure", lang, n=n), n)


def headline_points(glossary: pd.DataFrame, syllabus: pd.DataFrame, scn, lang: str) -> list[str]:
    """Two talking points for the workshop deck, adding to the headline: the market's import VAT, customs-value
    basis and trade agreements, and the sections this market's glossary quiz draws on."""
    from crossborder.core.i18n import country_name

    m = scn.market
    quiz = glossary_quiz(glossary, m.code, lang)
    sections = sorted(int(x) for x in glossary.set_index("term").loc[list(quiz.terms), "section"])
    return [
        t("overview.point_market", lang, market=country_name(m.code, lang), rate=f"{m.import_vat.rate:.0%}",
          basis=m.customs_value_basis, k=len(m.trade_agreements),
          fta=t("overview.point_fta_yes" if m.fta_with_taiwan else "overview.point_fta_no", lang)),
        t("overview.point_quiz", lang, market=country_name(m.code, lang), n=len(quiz.terms),
          sections=t("overview.list_sep", lang).join(str(x) for x in sections)),
    ]
