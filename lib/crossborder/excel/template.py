"""An Excel template for one of the user's data files: the columns, a drop-down for each enumerated column, an
instructions sheet and the shipped example rows to overwrite. Read back by ``read_table`` like the CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.worksheet.datavalidation import DataValidation

from crossborder.core.i18n import t
from crossborder.core.tables import Column, column_letter
from crossborder.excel import book as xl

DATA_ROWS = 1000     # rows the drop-downs and number checks cover


def _typed(value: str, spec: Column | None):
    """A CSV cell as the Excel cell a team would type: numbers as numbers, dates as dates."""
    if value == "" or spec is None:
        return value if value != "" else None
    if spec.kind in ("int", "float"):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if spec.kind == "int" and number.is_integer() else number
    if spec.kind == "date":
        try:
            return pd.Timestamp(value).date()
        except ValueError:
            return value
    if spec.kind == "bool":
        return value.strip().lower() in {"true", "yes", "1", "y"}
    return value


def write_template(name: str, columns: dict[str, Column], example: pd.DataFrame, out: Path, lang: str = "en") -> Path:
    """Write the template of data file ``name`` (e.g. ``risks``) to ``out``; ``example`` holds the shipped rows as text."""
    wb = xl.new_book()
    ws = wb.create_sheet(name[:31])
    header = list(example.columns) if len(example.columns) else list(columns)
    rows = [[_typed(str(v), columns.get(c)) for c, v in zip(header, r, strict=True)]
            for r in example.astype(str).itertuples(index=False, name=None)]
    xl.write_table(ws, header, rows)
    for j, col in enumerate(header):
        spec = columns.get(col)
        if spec is None:
            continue
        letter = column_letter(j)
        area = f"{letter}2:{letter}{DATA_ROWS + 1}"
        if spec.kind == "choice" and spec.choices and len(",".join(spec.choices)) < 250:
            dv = DataValidation(type="list", formula1='"' + ",".join(spec.choices) + '"', allow_blank=not spec.required)
        elif spec.kind == "bool":
            dv = DataValidation(type="list", formula1='"true,false"', allow_blank=not spec.required)
        elif spec.kind in ("int", "float"):
            kind = "whole" if spec.kind == "int" else "decimal"
            if spec.min is not None and spec.max is not None:
                dv = DataValidation(type=kind, operator="between", formula1=f"{spec.min:g}", formula2=f"{spec.max:g}")
            elif spec.min is not None:
                dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=f"{spec.min:g}")
            elif spec.max is not None:
                dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=f"{spec.max:g}")
            else:
                continue
        else:
            continue
        dv.error = spec.describe()
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(area)
    info = wb.create_sheet(t("excel.sheet_columns", lang))
    yes, no = t("excel.word_yes", lang), t("excel.word_no", lang)
    xl.write_table(info, [t("excel.col_column", lang), t("excel.col_expected", lang), t("excel.col_required", lang)],
                   [[c, s.describe(), yes if s.required else no] for c, s in columns.items()])
    help_ws = wb.create_sheet(t("excel.sheet_instructions", lang))
    help_ws.cell(row=1, column=1, value=t("excel.template_help", lang, name=name, sheet=ws.title,
                                          target=f"data/{name}.xlsx", csv=f"data/{name}.csv"))
    help_ws.cell(row=2, column=1, value=t("excel.template_columns", lang))
    help_ws.column_dimensions["A"].width = 120
    return xl.save(wb, out)
