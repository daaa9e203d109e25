"""The overview chapter: the outline's ten sections and the glossary of the trade's terms."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from . import theme
from .i18n import t
from .interactive import ControlPanel
from .paths import DATA_DIR
from .tables import Column, read_table

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
    from .i18n import country_name

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


def headline(glossary: pd.DataFrame, lang: str) -> tuple[str, str, int]:
    """The chapter's headline sentence, its key figure, and the number behind it."""
    counts = glossary.groupby("section").size()
    top = int(counts.idxmax())
    n = len(glossary)
    return (t("overview.headline", lang, n=n, top=top, top_n=int(counts.max())),
            t("overview.headline_figure", lang, n=n), n)
