"""Excel both ways: the scenario out and back in as an overlay, data-file templates read by the CSV validator,
bad cells named by sheet and cell with exit 2, and (slow) the report exported with numbers as numbers."""

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from crossborder import cli, scenario
from crossborder.core import fmt, tables
from crossborder.core.errors import InputError
from crossborder.core.paths import data_file, user_data_dir, user_scenario_dir
from crossborder.excel import scenario_book
from crossborder.excel.book import numeric_text


def _cell_of(book_path: Path, section: str, key: str) -> tuple:
    wb = load_workbook(book_path)
    ws = wb[section]
    for i, row in enumerate(ws.iter_rows(min_row=2, max_col=2, values_only=True), start=2):
        if row[0] == key:
            return wb, ws, i
    raise AssertionError(f"{section}.{key} not in the workbook")


def _edit(book_path: Path, section: str, key: str, value) -> Path:
    wb, ws, i = _cell_of(book_path, section, key)
    ws.cell(row=i, column=2, value=value)
    wb.save(book_path)
    return book_path


def test_unchanged_scenario_round_trip_writes_an_empty_overlay(tmp_path):
    book = tmp_path / "DE.xlsx"
    assert cli.main(["scenario", "export", "DE", str(book)]) == 0
    assert cli.main(["scenario", "import", "DE", str(book)]) == 0
    overlay = user_scenario_dir() / "DE.yaml"
    assert yaml.safe_load(overlay.read_text()) == {}
    assert scenario.overlay_changes(scenario.load("DE")) == []


def test_a_changed_cell_becomes_exactly_that_overlay_key(tmp_path):
    book = tmp_path / "DE.xlsx"
    scenario_book.export_scenario("DE", book)
    shipped = scenario.load("DE").pricing.guardrails.floor
    _edit(book, "pricing", "guardrails.floor", 0.17)
    assert shipped != 0.17
    assert cli.main(["scenario", "import", "DE", str(book)]) == 0
    overlay = yaml.safe_load((user_scenario_dir() / "DE.yaml").read_text())
    assert overlay == {"pricing": {"guardrails": {"floor": 0.17}}}
    changes = scenario.overlay_changes(scenario.load("DE"))
    assert [(c.key, c.shipped, c.used) for c in changes] == [("pricing.guardrails.floor", shipped, 0.17)]
    # exported again, the value says which layer set it
    again = tmp_path / "again.xlsx"
    scenario_book.export_scenario("DE", again)
    _, ws, i = _cell_of(again, "pricing", "guardrails.floor")
    assert ws.cell(row=i, column=2).value == 0.17 and ws.cell(row=i, column=6).value == "your overlay"


def test_scenario_rows_name_the_layer_and_what_is_allowed():
    rows = {f"{r.section}.{r.key}": r for r in scenario_book.rows("DE")}
    assert rows["market.code"].layer == "market" and rows["market.code"].value == "DE"
    assert rows["risk.trials"].layer == "defaults" and rows["risk.trials"].allowed == ">= 1000, <= 1e+06"
    assert rows["pricing.samples.below_moq"].allowed == "one of sample, refuse"


@pytest.mark.parametrize("section, key, value, expected", [
    ("pricing", "guardrails.floor", "twenty", "expected a number, found 'twenty'"),               # text in a number
    ("pricing", "guardrails.floor", 1.5, "expected less than 1"),                               # out of range
    ("pricing", "samples.below_moq", "maybe", "expected 'sample' or 'refuse', found 'maybe'"),  # unknown enumeration
])
def test_a_bad_scenario_cell_is_one_line_naming_sheet_and_cell_exit_2(tmp_path, capsys, section, key, value, expected):
    book = tmp_path / "DE.xlsx"
    scenario_book.export_scenario("DE", book)
    _, _, row = _cell_of(book, section, key)
    _edit(book, section, key, value)
    assert cli.main(["scenario", "import", "DE", str(book)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"sheet '{section}', cell B{row}" in err, err
    assert expected in err, err
    assert not (user_scenario_dir() / "DE.yaml").exists()     # nothing written


def test_an_unknown_key_in_the_workbook_is_named(tmp_path, capsys):
    book = tmp_path / "DE.xlsx"
    scenario_book.export_scenario("DE", book)
    wb = load_workbook(book)
    wb["risk"].cell(row=wb["risk"].max_row + 1, column=1, value="no_such_key")
    wb.save(book)
    assert cli.main(["scenario", "import", "DE", str(book)]) == 2
    assert "sheet 'risk', cell A" in capsys.readouterr().err


def test_template_round_trips_through_the_validator():
    from crossborder.chapters.risk import data as risk_data

    assert cli.main(["template", "risks"]) == 0
    template = user_data_dir() / "risks.template.xlsx"
    wb = load_workbook(template)
    assert wb.sheetnames == ["risks", "Columns", "Instructions"]
    ws = wb["risks"]
    assert ws.freeze_panes == "A2"
    assert any(dv.type == "list" for dv in ws.data_validations.dataValidation)     # enumerations as drop-downs
    head = [c.value for c in ws[1]]
    column = ws.iter_cols(min_col=head.index("likelihood") + 1, max_col=head.index("likelihood") + 1, min_row=2, values_only=True)
    numbers = [v for v in next(column) if v is not None]                               # numbers, not text
    assert numbers and all(isinstance(v, int | float) for v in numbers)
    template.rename(user_data_dir() / "risks.xlsx")
    assert data_file("risks.csv") == user_data_dir() / "risks.xlsx"
    from_excel = risk_data.load_register()
    from_csv = risk_data.load_register(risk_data.RISKS_FILE)
    assert from_excel.equals(from_csv)


def _sheet(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


SPEC = {"id": tables.Column("str", unique=True), "qty": tables.Column("int", min=0, max=100),
        "kind": tables.Column("choice", choices=("a", "b")), "on": tables.Column("date")}


def test_read_table_reads_excel_like_csv(tmp_path):
    path = _sheet(tmp_path / "t.xlsx", ["id", "qty", "kind", "on"], [["x", 3, "a", date(2026, 1, 5)], ["y", 4.0, "b", "2026-02-01"]])
    table = tables.read_table(path, SPEC, key="id")
    assert table["qty"].tolist() == [3, 4] and table["on"].dt.date.tolist() == [date(2026, 1, 5), date(2026, 2, 1)]


@pytest.mark.parametrize("row, where, expected", [
    (["y", "lots", "a", "2026-01-01"], "cell B3, column 'qty'", "expected a whole number from 0 to 100, found 'lots'"),
    (["y", 500, "a", "2026-01-01"], "cell B3, column 'qty'", "found '500'"),
    (["y", 5, "c", "2026-01-01"], "cell C3, column 'kind'", "expected one of a, b, found 'c'"),
])
def test_a_bad_excel_data_cell_names_file_sheet_row_and_cell(tmp_path, row, where, expected):
    path = _sheet(tmp_path / "t.xlsx", ["id", "qty", "kind", "on"], [["x", 3, "a", "2026-01-01"], row])
    with pytest.raises(InputError) as exc:
        tables.read_table(path, SPEC, key="id")
    text = str(exc.value)
    assert re.search(r"t\.xlsx, sheet 'data': row 3 \(id 'y'\), " + re.escape(where), text), text
    assert expected in text and "\n" not in text


def test_figures_carry_their_numbers():
    m = fmt.money(1_234_567.0, "TWD", "en")
    assert str(m) == "TWD\u00a01.2\u00a0m" and m.value == 1_234_567.0 and m.kind == "money" and m.currency == "TWD"
    assert fmt.percent(0.125, "zh-TW").value == 0.125 and fmt.percent(float("nan"), "en") == "–"


@pytest.mark.slow
def test_export_writes_numbers_as_numbers_and_shows_an_imported_change(tmp_path):
    from crossborder.core import paths

    book = tmp_path / "DE.xlsx"
    scenario_book.export_scenario("DE", book)
    _edit(book, "pricing", "guardrails.floor", 0.17)
    assert cli.main(["scenario", "import", "DE", str(book)]) == 0
    assert cli.main(["export", "DE", "--lang", "en", "--as-of", "2026-11-29", "--only", "03,10"]) == 0
    out = paths.reports_dir() / "DE" / "DE-en.xlsx"
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Summary" and wb.sheetnames[-2:] == ["Scenario", "Facts"]
    chapter_sheets = [ws for ws in wb.worksheets if ws.title[:2] in ("03", "10")]
    assert len(chapter_sheets) == 2
    numeric = 0
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and ws.title not in ("Scenario", "Facts"):   # their text is text
                    assert numeric_text(c.value) is None, (ws.title, c.coordinate, c.value)
                elif isinstance(c.value, int | float) and not isinstance(c.value, bool):
                    numeric += 1
    assert numeric > 50
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert isinstance(summary["npv_p50"], float)
    scen = [r for r in wb["Scenario"].iter_rows(values_only=True) if r[0] == "pricing" and r[1] == "guardrails.floor"]
    assert scen == [("pricing", "guardrails.floor", 0.17, "fraction (0.1 = 10%)", scen[0][4], scen[0][5], "your overlay")]
    # the report itself says so: its document lists the changed key
    html = (paths.reports_dir() / "DE" / "executed-en" / "DE-en.html").read_text(encoding="utf-8")
    assert "pricing.guardrails.floor" in html
