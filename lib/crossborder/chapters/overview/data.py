"""The overview chapter's data: the glossary of the trade's terms and the outline's ten sections (the syllabus).

Which chapter answers a section comes from the chapter registry (``crossborder.core.registry``), not from
the syllabus file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossborder.core import registry
from crossborder.core.paths import DATA_DIR
from crossborder.core.tables import Column, read_table

GLOSSARY_FILE = DATA_DIR / "glossary.csv"
SYLLABUS_FILE = DATA_DIR / "syllabus.csv"
SECTIONS = range(1, 11)


def load_glossary(path: Path = GLOSSARY_FILE) -> pd.DataFrame:
    """``term,en,zh_TW,section``: every term of art in the outline, with the section where it first appears."""
    return read_table(
        path,
        {"term": Column(unique=True), "en": Column(), "zh_TW": Column(), "section": Column("int", min=1, max=10)},
        key="term",
    )


def load_syllabus(path: Path = SYLLABUS_FILE) -> pd.DataFrame:
    """The outline's ten sections: title, focus and the question each answers, in both languages; ``chapter``
    is the id of the chapter whose home the section is (``registry.chapter_for_outline``)."""
    text = Column()
    table = read_table(
        path,
        {"section": Column("int", min=1, max=10, unique=True), "title_en": text, "title_zh_TW": text,
         "focus_en": text, "focus_zh_TW": text, "question_en": text, "question_zh_TW": text},
        key="section",
    ).set_index("section")
    table["chapter"] = [registry.chapter_for_outline(int(s)).id for s in table.index]
    return table


def text_column(lang: str) -> str:
    """The glossary's and syllabus's column suffix for ``lang``: ``zh_TW`` or ``en``."""
    return "zh_TW" if lang == "zh-TW" else "en"
