"""``reports/<CODE>/<CODE>-<lang>.xlsx``: the report's tables as numbers, the scenario and the facts.

Built from the executed notebooks of a rendered report (``reports/<CODE>/executed-<lang>/``): each shown table's
values travel beside its HTML as ``application/vnd.crossborder.table+json`` (``crossborder.notebook.chapter``), the
headlines as ``<stem>.headline.json`` and the business case's decision as ``<stem>.decision.json``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import nbformat

from crossborder import scenario
from crossborder.core import facts
from crossborder.core.i18n import country_name, t
from crossborder.excel import book as xl
from crossborder.excel import scenario_book
from crossborder.notebook import tags
from crossborder.notebook.chapter import TABLE_MIME

_DECISION_NUMBERS = (("npv_p10", "money"), ("npv_p50", "money"), ("npv_p90", "money"), ("p_npv_pos", "percent"))


def _title(nb: Any, lang: str, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and tags.keep(cell, lang=lang, drop=tags.REPORT_DROP):
            m = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if m:
                return re.sub(r"[*_`]", "", m.group(1)).strip()
    return fallback


def tables_of(path: Path, lang: str) -> list[dict[str, Any]]:
    """The table values a chapter showed in the report (cells the report drops are skipped), in order."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not tags.keep(cell, lang=lang, drop=tags.REPORT_DROP):
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if TABLE_MIME in data:
                found.append(dict(data[TABLE_MIME]))
    return found


def _summary(ws, folder: Path, code: str, lang: str, as_of: date, stems: list[tuple[str, str]]) -> None:
    rows: list[list[Any]] = [[t("excel.market", lang), f"{code} {country_name(code, lang)}"],
                             [t("excel.as_of", lang), as_of], [t("excel.language", lang), lang]]
    decision_file = next(iter(sorted(folder.glob("*.decision.json"))), None)
    if decision_file is not None:
        d = json.loads(decision_file.read_text(encoding="utf-8"))
        rows.append([t("excel.decision", lang), d.get("decision_text", d.get("decision", ""))])
        for key, kind in _DECISION_NUMBERS:
            if isinstance(d.get(key), (int, float)):
                label = d.get("formatted", {}).get(key) or key
                rows.append([key, {"value": d[key], "kind": kind, "currency": d.get("currency"), "digits": 0 if kind == "money" else 0,
                                   "text": label}])
    next_row = xl.write_table(ws, [t("excel.col_item", lang), t("excel.col_value", lang)], rows)
    head = [t("excel.col_chapter", lang), t("excel.col_key_figure", lang), t("excel.col_value", lang), t("excel.col_headline", lang)]
    lines = []
    for stem, title in stems:
        h = folder / f"{stem}.headline.json"
        if h.exists():
            d = json.loads(h.read_text(encoding="utf-8"))
            value = d.get("value") if isinstance(d.get("value"), (int, float)) and not isinstance(d.get("value"), bool) else None
            lines.append([title, d.get("key_figure", ""), value, d.get("text", "")])
    xl.write_table(ws, head, lines, start_row=next_row + 1, freeze=False)


def _scenario_sheet(ws, code: str, lang: str) -> None:
    head = [t("excel.col_section", lang), *scenario_book.header(lang)]
    xl.write_table(ws, head, [[r.section, *scenario_book.row_cells(r, lang)] for r in scenario_book.rows(code)])


def _facts_sheet(ws, code: str, lang: str, as_of: date) -> None:
    scn = scenario.load(code)
    currencies = list(dict.fromkeys([scn.exporter.home_currency, scn.market.currency]))
    listing = facts.listing(code, as_of, lang, stale_after_days=scn.facts.stale_after_days, currencies=currencies)
    yes, no = t("excel.word_yes", lang), t("excel.word_no", lang)
    head = [t(f"excel.{k}", lang) for k in ("col_topic", "col_subject", "col_fact", "col_value", "col_source", "col_as_of",
                                            "col_valid_from", "col_valid_until", "col_stale", "col_verified")]
    rows = [[r.topic, r.subject, r.name, {"value": r.value, "kind": "percent", "digits": 2, "text": ""}, r.source, r.as_of,
             r.valid_from, r.valid_until, yes if r.stale else no, yes if r.verified else no] for r in listing]
    xl.write_table(ws, head, rows)


def build_workbook(code: str, lang: str, as_of: date, folder: Path):
    """The workbook (openpyxl) of market ``code`` in ``lang`` from the executed notebooks in ``folder``."""
    wb = xl.new_book()
    used: set[str] = set()
    notebooks = sorted(folder.glob("*.ipynb"))
    titles = [(p.stem, _title(nbformat.read(p, as_version=4), lang, p.stem)) for p in notebooks]
    _summary(wb.create_sheet(xl.sheet_name(t("excel.sheet_summary", lang), used)), folder, code, lang, as_of, titles)
    for path, (stem, title) in zip(notebooks, titles, strict=True):
        tables = tables_of(path, lang)
        if not tables:
            continue
        label = title if title.startswith(stem[:2]) else f"{stem[:2]} {title}"
        ws = wb.create_sheet(xl.sheet_name(label, used))
        row = 1
        for n, table in enumerate(tables):
            row = xl.write_table(ws, table["columns"], table["rows"], start_row=row, freeze=(n == 0),
                                 numbers_in_text=True) + 1
    _scenario_sheet(wb.create_sheet(xl.sheet_name(t("excel.sheet_scenario", lang), used)), code, lang)
    _facts_sheet(wb.create_sheet(xl.sheet_name(t("excel.sheet_facts", lang), used)), code, lang, as_of)
    return wb


def export_workbook(code: str, lang: str, as_of: date, folder: Path, out: Path) -> Path:
    """Write ``out`` atomically."""
    return xl.save(build_workbook(code, lang, as_of, folder), out)


def comparison(books: dict[str, Path], out: Path, lang: str) -> Path:
    """A workbook with the Summary sheets of several markets side by side (one column per market)."""
    from openpyxl import load_workbook

    wb = xl.new_book()
    ws = wb.create_sheet(t("excel.sheet_compare", lang))
    columns: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for code, path in books.items():
        src = load_workbook(path, data_only=True).worksheets[0]
        values = {}
        for label, value in src.iter_rows(min_row=2, max_col=2, values_only=True):
            if label is None:
                break
            values[str(label)] = value
            if str(label) not in order:
                order.append(str(label))
        columns[code] = values
    xl.write_table(ws, [t("excel.col_item", lang), *columns], [[k, *(columns[c].get(k) for c in columns)] for k in order])
    return xl.save(wb, out)
