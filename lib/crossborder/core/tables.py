"""Reading the workbook's CSV (and Excel) files with validation that names the file, line and column.

Each table is described by a dict of ``Column`` specs. ``read_table`` checks the header (missing and
unknown columns), then each column's values, and raises one ``InputError`` for the first bad cell:
``data/markets.csv: line 7 (market 'VN'), column 'tariff': expected a number >= 0, found 'n/a'``.

An ``.xlsx`` file is read the same way (its first sheet, or ``sheet``): its cells are turned into the text a
CSV would hold (numbers as numbers, dates as YYYY-MM-DD) and validated by the same code; a message then names
the sheet, the row and the cell: ``risks.xlsx, sheet 'risks': row 7 (id 'R07'), cell D7, column 'impact': ...``.
``capture()`` records the column specs of every table read, for ``crossborder template``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, cast

import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.paths import relative
from crossborder.core.text import brief_repr, one_line
from crossborder.core.yamlio import read_text

Kind = Literal["str", "int", "float", "date", "bool", "choice"]
MAX_CSV_BYTES = 20 * 1024 * 1024   # the largest shipped table is a few hundred kB
MAX_ROWS = 100_000                 # rows per table: a register or a history, not a data warehouse
MAX_ABS = 1e15                     # no amount, rate or count in the workbook comes near this
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


@dataclass(frozen=True)
class Column:
    """How one CSV column is read and checked."""

    kind: Kind = "str"
    required: bool = True            # an empty cell is an error (else it becomes NaN / None)
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()    # for kind="choice"
    unique: bool = False

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        text = {"str": "text", "int": "a whole number", "float": "a number", "date": "a date YYYY-MM-DD",
                "bool": "true or false"}[self.kind]
        if self.min is not None and self.max is not None:
            text += f" from {self.min:g} to {self.max:g}"
        elif self.min is not None:
            text += f" >= {self.min:g}"
        elif self.max is not None:
            text += f" <= {self.max:g}"
        return text


EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_CAPTURED: list[dict[str, tuple[dict[str, Column], str | None]]] = []


@contextlib.contextmanager
def capture() -> Iterator[dict[str, tuple[dict[str, Column], str | None]]]:
    """Record ``{resolved path: (columns, key)}`` of every table ``read_table`` reads inside the block."""
    seen: dict[str, tuple[dict[str, Column], str | None]] = {}
    _CAPTURED.append(seen)
    try:
        yield seen
    finally:
        _CAPTURED.remove(seen)


def is_excel(path: Path | str) -> bool:
    return Path(path).suffix.lower() in EXCEL_SUFFIXES


def _cell_text(value: Any) -> str:
    """An Excel cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def column_letter(i: int) -> str:
    """Excel's letter of the ``i``-th column (0-based): 0 -> A, 26 -> AA."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def read_excel_raw(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """An Excel sheet as a frame of text cells (header from row 1; empty trailing rows dropped) and its name."""
    where = relative(path)
    if not path.is_file():
        raise InputError(f"{where}: file not found" if not path.exists() else f"{where}: expected an Excel file, found a directory or device")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise InputError(f"{where}: expected an Excel file of at most {MAX_CSV_BYTES // 2**20} MB, found {path.stat().st_size:,} bytes")
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(f"{where}: expected an Excel workbook (.xlsx), found unreadable content "
                         f"({one_line(str(exc).strip(), 120)})") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InputError(f"{where}: no sheet {brief_repr(sheet)}; found sheets {', '.join(book.sheetnames)}")
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append([_cell_text(v).strip() if isinstance(v, str) else _cell_text(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                raise InputError(f"{where}, sheet {brief_repr(ws.title)}: expected at most {MAX_ROWS:,} rows")
        title = ws.title
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        return pd.DataFrame(), title
    head = rows[0]
    while head and not head[-1]:
        head = head[:-1]
    width = len(head)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    if any(not h for h in head):
        blank = column_letter(head.index(""))
        raise InputError(f"{where}, sheet {brief_repr(title)}: cell {blank}1: expected a column name, found an empty cell")
    return pd.DataFrame(body, columns=head, dtype=str), title


def read_table(path: Path, columns: dict[str, Column], *, key: str | None = None, extra_ok: bool = False,
               sheet: str | None = None) -> pd.DataFrame:
    """Read and validate a CSV or an Excel sheet; ``key`` names the column used to identify rows in messages."""
    path = Path(path)
    for seen in _CAPTURED:
        seen[str(path.resolve())] = (dict(columns), key)
    if is_excel(path):
        raw, title = read_excel_raw(path, sheet)
        where = f"{relative(path)}, sheet {brief_repr(title)}"
        if raw.empty and not len(raw.columns):
            raise InputError(f"{where}: expected a header row ({', '.join(columns)}), found an empty sheet")
        return _validate(raw, columns, key, extra_ok, where, excel=True)
    where = relative(path)
    # a directory, FIFO, device, binary, UTF-16 or oversized file: one line, before pandas sees it
    content = read_text(path, "CSV file", max_bytes=MAX_CSV_BYTES)
    if not content.strip():
        raise InputError(f"{where}: expected a CSV file with a header line ({', '.join(columns)}), found an empty file")
    try:
        with warnings.catch_warnings():
            # pandas only warns (and drops cells) when a line has more fields than the header
            warnings.simplefilter("error", pd.errors.ParserWarning)
            raw = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False, index_col=False)
    except pd.errors.ParserWarning:
        raise InputError(f"{where}: expected every line to have as many fields as the header, found a line with "
                         "more (quote fields that contain commas)") from None
    except FileNotFoundError:
        raise InputError(f"{where}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{where}: expected a UTF-8 CSV file, found unreadable content "
                         f"({one_line(str(exc).strip(), 120)})") from None
    return _validate(raw, columns, key, extra_ok, where)


def _validate(raw: pd.DataFrame, columns: dict[str, Column], key: str | None, extra_ok: bool, where: str,
              excel: bool = False) -> pd.DataFrame:
    if len(raw) > MAX_ROWS:
        raise InputError(f"{where}: expected at most {MAX_ROWS:,} rows, found {len(raw):,}")
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}; found columns {', '.join(raw.columns)}")
    unknown = [c for c in raw.columns if c not in columns]
    if unknown and not extra_ok:
        raise InputError(f"{where}: unknown column(s) {', '.join(unknown)}; expected {', '.join(columns)}")
    cells = {c: column_letter(i) for i, c in enumerate(raw.columns)} if excel else None
    out = {}
    for name, spec in columns.items():
        out[name] = _convert(raw, name, spec, where, key, cells)
    return pd.DataFrame(out, index=raw.index)


def header(path: Path) -> list[str]:
    """The column names of a CSV (empty if the file is missing, unreadable or empty: ``read_table`` then names
    the problem); never opens a directory, FIFO or device."""
    path = Path(path)
    if not path.is_file():
        return []
    if is_excel(path):
        try:
            return [str(c) for c in read_excel_raw(path)[0].columns]
        except InputError:
            return []
    try:
        first = read_text(path, "CSV file", max_bytes=MAX_CSV_BYTES).splitlines()[:1]
        return pd.read_csv(io.StringIO(first[0]), nrows=0, dtype=str).columns.tolist() if first else []
    except (InputError, ValueError, pd.errors.ParserError):
        return []


def _row_label(raw: pd.DataFrame, i: int, key: str | None, cells: dict[str, str] | None = None,
               name: str | None = None) -> str:
    label = f"{'row' if cells is not None else 'line'} {i + 2}"
    if key is not None and key in raw.columns:
        label += f" ({key} {brief_repr(raw.at[i, key], 40)})"
    if cells is not None and name in cells:
        label += f", cell {cells[name]}{i + 2}"
    return label


def _fail(raw, i, name, spec, where, key, found, cells=None) -> InputError:
    return InputError(f"{where}: {_row_label(raw, i, key, cells, name)}, column '{name}': expected {spec.describe()}, "
                      f"found {brief_repr(found)}")


def _convert(raw: pd.DataFrame, name: str, spec: Column, where: str, key: str | None,
             cells: dict[str, str] | None = None) -> pd.Series:
    text = raw[name].str.strip()
    empty = text == ""
    if spec.required and empty.any():
        i = int(cast(int, empty.idxmax()))
        raise InputError(f"{where}: {_row_label(raw, i, key, cells, name)}, column '{name}': expected {spec.describe()}, found an empty cell")
    if spec.kind in ("str", "choice"):
        values: pd.Series = text.where(~empty, None)
        if spec.kind == "choice":
            bad = ~empty & ~text.isin(spec.choices)
            if bad.any():
                i = int(cast(int, bad.idxmax()))
                raise _fail(raw, i, name, spec, where, key, text[i], cells)
    elif spec.kind in ("int", "float"):
        values = pd.to_numeric(text.where(~empty, None), errors="coerce")
        bad = ~empty & values.isna()
        if spec.kind == "int":
            bad |= ~empty & values.notna() & (values % 1 != 0)
        # finite and of a sane size: 'inf', 'nan' and 1e308 are typing mistakes, not data
        huge = ~empty & values.notna() & ~(values.abs() <= MAX_ABS)
        if huge.any():
            i = int(cast(int, huge.idxmax()))
            raise InputError(f"{where}: {_row_label(raw, i, key, cells, name)}, column '{name}': expected a finite number of at "
                             f"most {MAX_ABS:g} in size, found {brief_repr(text[i])}")
        if spec.min is not None:
            bad |= values < spec.min
        if spec.max is not None:
            bad |= values > spec.max
        if bad.any():
            i = int(cast(int, bad.idxmax()))
            raise _fail(raw, i, name, spec, where, key, text[i], cells)
        if spec.kind == "int" and not empty.any():
            values = values.astype("int64")
        else:
            values = values.astype("float64")
    elif spec.kind == "date":
        values = pd.to_datetime(text.where(~empty, None), format="%Y-%m-%d", errors="coerce")
        bad = ~empty & values.isna()
        if bad.any():
            i = int(cast(int, bad.idxmax()))
            raise _fail(raw, i, name, spec, where, key, text[i], cells)
    elif spec.kind == "bool":
        low = text.str.lower()
        bad = ~empty & ~low.isin(_TRUE | _FALSE)
        if bad.any():
            i = int(cast(int, bad.idxmax()))
            raise _fail(raw, i, name, spec, where, key, text[i], cells)
        values = low.isin(_TRUE).where(~empty, None)
    else:  # pragma: no cover - Column.kind is a Literal
        raise ValueError(spec.kind)
    if spec.unique:
        dup = text.duplicated() & ~empty
        if dup.any():
            i = int(cast(int, dup.idxmax()))
            raise InputError(f"{where}: {_row_label(raw, i, key, cells, name)}, column '{name}': expected unique values, "
                             f"found {brief_repr(text[i])} twice")
    return values


def require_known(values: Any, known: set[str] | list[str], where: str) -> None:
    """Raise if any value is not in ``known`` (e.g. a criterion or channel id that nothing defines)."""
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InputError(f"{where}: expected one of {', '.join(sorted(known))}, found {', '.join(map(repr, unknown))}")
