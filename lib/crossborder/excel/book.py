"""Writing sheets: typed cells with Excel number formats, a frozen bold header, widths that fit, atomic save."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from crossborder.core.fileio import atomic_write_bytes

HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 70
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def new_book() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub(" ", title).strip().strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _decimals(digits: int | None) -> str:
    return "." + "0" * digits if digits else ""


def number_format(kind: str, currency: str | None = None, digits: int | None = None) -> str:
    """The Excel number format of a figure of ``kind`` (see ``crossborder.core.fmt.Figure``)."""
    if kind == "money":
        body = "#,##0" + _decimals(digits)
        return f'"{currency} "{body};"{currency} "-{body}' if currency else body
    if kind == "percent":
        return "0" + _decimals(1 if digits is None else digits) + "%"
    if kind == "points":   # the cell holds the fraction; shown as percentage points
        body = "0" + _decimals(1 if digits is None else digits)
        return f'+{body}" pp";-{body}" pp";0" pp"'
    if kind == "ratio":
        return "0" + _decimals(1 if digits is None else digits) + '"×"'
    if kind == "date":
        return DATE_FORMAT
    return "#,##0" + _decimals(digits)


_NUMERIC_TEXT = re.compile(r"^([−+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)$")


def numeric_text(text: str) -> tuple[float, str] | None:
    """A plain number shown as text ("34.07", "1,250", "−3.5%") as (number, Excel format); None otherwise
    (identifiers with leading zeros such as "007" stay text)."""
    m = _NUMERIC_TEXT.match(text.replace("\u00a0", "").strip())
    if not m:
        return None
    sign, whole, frac, pct = m.groups()
    if len(whole) > 1 and whole.startswith("0"):
        return None
    value = float(whole.replace(",", "") + ("." + frac if frac else ""))
    value = -value if sign in ("−", "-") else value
    decimals = "." + "0" * len(frac) if frac else ""
    if pct:
        return value / 100, "0" + decimals + "%"
    return value, ("#,##0" if "," in whole else "0") + decimals


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, numbers_in_text: bool = False) -> None:
    """Write one cell: numbers as numbers, dates as dates (with a date format), the rest as text; with
    ``numbers_in_text`` a text that is only a number (a report table's "34.07") is written as that number."""
    if isinstance(value, dict) and "kind" in value and "value" in value:       # a figure from a shown table
        kind = value["kind"]
        number = value["value"] * 100 if kind == "points" else value["value"]
        cell = ws.cell(row=row, column=col, value=number)
        cell.number_format = number_format(kind, value.get("currency"), value.get("digits"))
        if kind == "points":
            cell.number_format = number_format("points", None, value.get("digits"))
        return
    if isinstance(value, dict) and "date" in value:
        value = date.fromisoformat(value["date"])
    if numbers_in_text and isinstance(value, str) and (parsed := numeric_text(value)) is not None:   # never a number stored as text
        value, fmt = parsed
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, (date, datetime)):
        cell.number_format = fmt or DATE_FORMAT
    elif fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = fmt
    if isinstance(value, str) and len(value) > 60:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def display_width(value: Any) -> int:
    """Characters a cell needs: East Asian wide characters count two."""
    if isinstance(value, dict):
        value = value.get("text", value.get("date", ""))
    text = "" if value is None else str(value)
    if isinstance(value, float):
        text = f"{value:,.2f}"
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                   for line in text.splitlines() or [""]), default=0)
    return longest


def write_table(ws: Worksheet, header: list[str], rows: list[list[Any]], *, start_row: int = 1,
                formats: dict[int, str] | None = None, freeze: bool = True, numbers_in_text: bool = False) -> int:
    """Write a header and rows from ``start_row``; returns the next free row. ``formats``: column index -> format."""
    formats = formats or {}
    for j, name in enumerate(header, start=1):
        cell = ws.cell(row=start_row, column=j, value=name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=False)
    for i, row in enumerate(rows, start=start_row + 1):
        for j, value in enumerate(row, start=1):
            put(ws, i, j, value, formats.get(j - 1), numbers_in_text)
    if freeze and start_row == 1:
        ws.freeze_panes = "A2"
    fit_widths(ws, [header, *rows])
    return start_row + len(rows) + 1


def fit_widths(ws: Worksheet, rows: list[list[Any]]) -> None:
    """Widen columns to their longest cell (both languages: wide characters count double), at most ``MAX_WIDTH``."""
    for j in range(max((len(r) for r in rows), default=0)):
        need = max((display_width(r[j]) for r in rows if j < len(r)), default=8)
        letter = get_column_letter(j + 1)
        current = ws.column_dimensions[letter].width or 0
        ws.column_dimensions[letter].width = max(current, min(MAX_WIDTH, max(8, need + 2)))


def save(book: Workbook, path: Path) -> Path:
    """Write the workbook atomically: a reader never sees half a file, a failure leaves the old one."""
    buffer = io.BytesIO()
    book.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())
    return path
