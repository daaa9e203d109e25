"""A market's scenario as a workbook, and an edited workbook back as the user's overlay.

One row per value in force (``key`` dotted within its section): the value (a number, text, true/false or a
date; a list or mapping as YAML flow text such as ``[TW, VN]``), its unit, what is allowed (from the section's
pydantic model), its meaning (the comment beside it in the scenario files) and which layer set it. Import reads
the value column back, checks each cell against the shipped value's type, validates the whole scenario, and saves
only the keys that differ from the shipped values as the overlay (replacing the previous overlay), atomically;
any error names the sheet and cell and writes nothing.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook
from pydantic import BaseModel

from crossborder import scenario
from crossborder.core.errors import InputError
from crossborder.core.fileio import atomic_write_text
from crossborder.core.i18n import t
from crossborder.core.paths import SCENARIO_DIR, relative, user_scenario_dir
from crossborder.core.text import brief_repr
from crossborder.excel import book as xl

VALUE_COLUMN = 2          # B: key, C: value (1-based 3); 0-based index in the row lists
_COMMENT_RE = re.compile(r"^(\s*)([A-Za-z0-9_-]+):(.*?)(?:\s+#\s?(.*))?$")
_CURRENCY_RE = re.compile(r"\b[A-Z]{3}\b")


@dataclass(frozen=True)
class Row:
    section: str
    key: str              # dotted within the section
    value: Any
    unit: str
    allowed: str
    meaning: str
    layer: str            # "defaults", "market" or "user"


# ----------------------------------------------------------------------------------------- describing

def _comments(path: Path) -> dict[str, str]:
    """Dotted key -> the comment on its line (or the comment lines just above it), from a scenario YAML file."""
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    stack: list[tuple[int, str]] = []
    above: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("# ").strip())
            continue
        m = _COMMENT_RE.match(line)
        if not m or stripped.startswith("-"):
            above = []
            continue
        indent, key, _, comment = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        dotted = ".".join(k for _, k in stack)
        text = (comment or "").strip() or (" ".join(above) if indent else "")
        if text:
            out[dotted] = text
        above = []
    return out


def _field(model: type[BaseModel] | None, parts: list[str]) -> Any:
    """The pydantic FieldInfo of a dotted key under ``model`` (None when it cannot be followed)."""
    info = None
    current: Any = model
    for part in parts:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        fields = {**current.model_fields, **{f.alias: f for f in current.model_fields.values() if f.alias}}
        info = fields.get(part)
        if info is None:
            return None
        ann = info.annotation
        candidates = [ann, *typing.get_args(ann)]
        for arg in list(candidates):
            candidates.extend(typing.get_args(arg))
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return info


def _allowed(info: Any) -> str:
    if info is None:
        return ""
    parts = []
    for meta in info.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            bound = getattr(meta, attr, None)
            if bound is not None:
                parts.append(f"{sign} {bound:g}" if isinstance(bound, (int, float)) else f"{sign} {bound}")
    ann = info.annotation
    for arg in [ann, *typing.get_args(ann)]:
        if typing.get_origin(arg) is typing.Literal:
            parts.append("one of " + ", ".join(map(str, typing.get_args(arg))))
    return ", ".join(parts)


def _unit(key: str, value: Any, allowed: str, meaning: str) -> str:
    last = key.rsplit(".", 1)[-1]
    if isinstance(value, bool):
        return "true/false"
    if "days" in last or last.endswith("_day") or last == "day":
        return "days"
    if "months" in last or last.endswith("_month"):
        return "months"
    if isinstance(value, float) and ("<= 1" in allowed or "< 1" in allowed):
        return "fraction (0.1 = 10%)"
    m = _CURRENCY_RE.search(meaning)
    if isinstance(value, (int, float)) and m and m.group(0) not in {"MFN", "FTA", "VAT", "GST", "HS", "PMF", "ICC", "DDP"}:
        return m.group(0)
    return ""


def _layer_of(dotted: str, layers: list[tuple[Path, dict]]) -> str:
    path = tuple(dotted.split("."))
    for p, data in reversed(layers):
        if scenario._has_path(data, path):
            if p.parent == user_scenario_dir():
                return "user"
            return "defaults" if p.name == scenario.DEFAULTS_FILE else "market"
    return "defaults"


def _cell_value(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str, date)) or value is None:
        return value
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()


def rows(code: str) -> list[Row]:
    """Every value in force for market ``code``, with unit, what is allowed, meaning and the layer that set it."""
    scn = scenario.load(code)
    layers = [(p, scenario._read_yaml(p)) for p in scn.files]
    comments: dict[str, str] = {}
    for p in scn.files:
        comments.update({k: v for k, v in _comments(p).items() if v})
    out = []
    for dotted, value in scenario._leaves(scn.raw).items():
        section, _, key = dotted.partition(".")
        model = scenario._section_model(section) if section in scenario.SECTIONS else None
        info = _field(model, key.split(".")) if key else None
        allowed = _allowed(info)
        meaning = comments.get(dotted, "")
        out.append(Row(section, key, _cell_value(value), _unit(dotted, value, allowed, meaning), allowed, meaning,
                       _layer_of(dotted, layers)))
    return out


def layer_label(layer: str, lang: str) -> str:
    return t(f"excel.layer_{layer}", lang)


def header(lang: str) -> list[str]:
    return [t(f"excel.{k}", lang) for k in ("col_key", "col_value", "col_unit", "col_range", "col_meaning", "col_layer")]


def row_cells(r: Row, lang: str) -> list[Any]:
    return [r.key, r.value, r.unit, r.allowed, r.meaning, layer_label(r.layer, lang)]


def export_scenario(code: str, path: Path, lang: str = "en") -> Path:
    """Write the scenario of ``code``: one sheet per section (key, value, unit, allowed, meaning, set by)."""
    code = scenario.check_market(code)
    wb = xl.new_book()
    by_section: dict[str, list[Row]] = {}
    for r in rows(code):
        by_section.setdefault(r.section, []).append(r)
    help_sheet = wb.create_sheet("README")
    help_sheet.cell(row=1, column=1, value=t("excel.scenario_help", lang, code=code))
    help_sheet.column_dimensions["A"].width = 120
    for section, items in by_section.items():
        ws = wb.create_sheet(section[:31])
        xl.write_table(ws, header(lang), [row_cells(r, lang) for r in items])
    return xl.save(wb, path)


# ------------------------------------------------------------------------------------------- importing

def _shipped(code: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for p in (SCENARIO_DIR / scenario.DEFAULTS_FILE, SCENARIO_DIR / f"{code}.yaml"):
        if p.exists():
            merged = scenario.merge(merged, scenario._read_yaml(p))
    return merged


def _parse(cell: Any, shipped: Any, where: str) -> Any:
    """The cell's value, of the shipped value's type; raises naming the cell."""
    def bad(expected: str) -> InputError:
        return InputError(f"{where}: expected {expected}, found {brief_repr(cell)}")

    if isinstance(shipped, bool):
        if isinstance(cell, bool):
            return cell
        if isinstance(cell, str) and cell.strip().lower() in {"true", "false", "yes", "no"}:
            return cell.strip().lower() in {"true", "yes"}
        raise bad("true or false")
    if isinstance(shipped, (int, float)):
        number = cell
        if isinstance(cell, str):
            try:
                number = float(cell.strip().replace(",", ""))
            except ValueError:
                raise bad("a number") from None
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise bad("a number")
        if isinstance(shipped, int) and float(number).is_integer():
            return int(number)
        if isinstance(shipped, int):
            raise bad("a whole number")
        return float(number)
    if isinstance(shipped, (date, datetime)):
        if isinstance(cell, datetime):
            return cell.date()
        if isinstance(cell, date):
            return cell
        try:
            return date.fromisoformat(str(cell).strip())
        except ValueError:
            raise bad("a date YYYY-MM-DD") from None
    if isinstance(shipped, (list, dict)) or shipped is None:
        if cell is None or cell == "":
            return shipped if shipped is None else type(shipped)()
        if not isinstance(cell, str):
            return cell if shipped is None else _raise(bad("a list like [a, b]" if isinstance(shipped, list) else "a mapping like {a: 1}"))
        try:
            value = yaml.safe_load(cell)
        except yaml.YAMLError:
            raise bad("YAML flow text such as [TW, VN] or {a: 1}") from None
        if shipped is not None and not isinstance(value, type(shipped)):
            raise bad("a list like [a, b]" if isinstance(shipped, list) else "a mapping like {a: 1}")
        return value
    # text
    if cell is None:
        raise bad("text")
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell) if not isinstance(cell, str) else cell


def _raise(exc: Exception) -> Any:
    raise exc


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for p in parts[:-1]:
        data = data.setdefault(p, {})
    data[parts[-1]] = value


def read_values(code: str, path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """{dotted key: value} from an edited workbook, and {dotted key: "sheet 'x', cell C7"} for messages."""
    where_file = relative(path)
    if not path.is_file():
        raise InputError(f"{where_file}: file not found")
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one line
        raise InputError(f"{where_file}: expected an Excel workbook (.xlsx), found unreadable content ({type(exc).__name__})") from None
    shipped = scenario._leaves(_shipped(code))
    in_force = scenario._leaves(scenario.load(code).raw)
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    for ws in wb.worksheets:
        if ws.title not in scenario.SECTIONS:
            continue
        for i, row in enumerate(ws.iter_rows(min_row=2, max_col=2, values_only=True), start=2):
            key, cell = (list(row) + [None, None])[:2]
            if key is None or str(key).strip() == "":
                continue
            dotted = f"{ws.title}.{str(key).strip()}"
            where = f"{where_file}, sheet {brief_repr(ws.title)}, cell B{i} (key {dotted})"
            if dotted not in in_force and dotted not in shipped:
                raise InputError(f"{where_file}, sheet {brief_repr(ws.title)}, cell A{i}: expected a key of section "
                                 f"{ws.title}, found {brief_repr(key)}")
            reference = shipped.get(dotted, in_force.get(dotted))
            values[dotted] = _parse(cell, reference, where)
            cells[dotted] = f"{where_file}, sheet {brief_repr(ws.title)}, cell B{i}"
    if not values:
        raise InputError(f"{where_file}: expected sheets named after scenario sections ({', '.join(scenario.SECTIONS)}), "
                         f"found {', '.join(wb.sheetnames)}")
    return values, cells


def import_scenario(code: str, path: Path) -> tuple[Path, list[str]]:
    """Save the workbook's values that differ from the shipped scenario as the user's overlay for ``code``.

    Returns the overlay's path and the changed keys. Nothing is written on any error."""
    code = scenario.check_market(code)
    values, cells = read_values(code, path)
    shipped_tree = _shipped(code)
    shipped = scenario._leaves(shipped_tree)
    overlay: dict[str, Any] = {}
    changed = []
    for dotted, value in values.items():
        if dotted not in shipped or shipped[dotted] != value:
            _set(overlay, dotted, value)
            changed.append(dotted)
    target = user_scenario_dir() / f"{code}.yaml"
    layers = [(p, scenario._read_yaml(p)) for p in scenario._layers(code) if p != target] + [(target, overlay)]
    try:
        scenario.build(code, layers)
    except InputError as exc:
        first = str(exc).splitlines()[0]
        m = re.search(r"key '([^']+)': (.*)$", first)
        if m:
            key = m.group(1)
            cell = cells.get(key) or next((c for k, c in cells.items() if k.startswith(key + ".") or key.startswith(k + ".")), None)
            if cell:
                raise InputError(f"{cell} (key {key}): {m.group(2)}") from None
        raise InputError(f"{relative(path)}: {first}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    text = f"# Imported from {path.name}: your changes over the shipped scenario. Delete to reset.\n"
    text += yaml.safe_dump(scenario._plain(overlay), allow_unicode=True, sort_keys=False) if overlay else "{}\n"
    atomic_write_text(target, text)
    return target, changed
