"""End to end: the report command executes every notebook for two markets in both languages, writes one PDF
per market and language, and the PDFs read back with the market, chart titles and Chinese text intact."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from crossborder.report.html import chapter_title

ROOT = Path(__file__).resolve().parents[1]
MARKETS = ("DE", "JP")
LANGS = ("zh-TW", "en")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
pytestmark = pytest.mark.slow


def run_cli(*args, env_extra=None, tmp):
    env = {**os.environ, "CROSSBORDER_HOME": str(tmp / "home"), "CROSSBORDER_REPORTS": str(tmp / "reports"),
           **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "crossborder.cli", *args], capture_output=True, text=True, env=env,
                          timeout=1800)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render")
    proc = run_cli("report", *MARKETS, "--lang", ",".join(LANGS), "--jobs", "2", "--as-of", "2026-11-29", tmp=tmp)
    return tmp / "reports", proc


def test_every_notebook_runs_and_every_pdf_is_written(rendered):
    reports, proc = rendered
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = proc.stdout.split()
    for code in MARKETS:
        for lang in LANGS:
            pdf = reports / code / f"{code}-{lang}.pdf"
            assert str(pdf) in printed
            assert pdf.read_bytes().startswith(b"%PDF")
            for nb in NOTEBOOKS:  # executed notebooks kept for audit, each with its published headline
                executed = reports / code / f"executed-{lang}" / nb.name
                assert executed.exists()
                headline = json.loads(executed.with_suffix(".headline.json").read_text())
                assert headline["chapter"] == nb.stem and headline["text"]


@pytest.mark.parametrize("code, lang, market_name", [("DE", "zh-TW", "德國"), ("DE", "en", "Germany"),
                                                     ("JP", "zh-TW", "日本"), ("JP", "en", "Japan")])
def test_pdf_reads_back(rendered, code, lang, market_name):
    reports, _ = rendered
    text = pdf_text(reports / code / f"{code}-{lang}.pdf")
    flat = "".join(text.split())
    assert market_name in text
    assert "2026-11-29" in text
    summary = "重點摘要" if lang == "zh-TW" else "Executive summary"
    assert summary in text
    for nb_path in NOTEBOOKS:  # every chapter's title, in the report's language
        title = chapter_title(nbformat.read(nb_path, as_version=4), lang, nb_path.stem)
        assert "".join(title.split()) in flat, f"{title!r} missing from {code}-{lang}.pdf"
    chart_title = "大綱各章節引入的專業術語數" if lang == "zh-TW" else "Terms of art introduced by each section"
    assert "".join(chart_title.split()) in flat  # a chart's title: the chart was drawn, fonts intact
    # The contents give each chapter's page, read back from the first printing's bookmarks, and the page is right.
    pages = text.split("\f")
    contents = next(p for p in pages if ("目錄" if lang == "zh-TW" else "Contents") in p)
    for nb_path in NOTEBOOKS:
        title = chapter_title(nbformat.read(nb_path, as_version=4), lang, nb_path.stem)
        flat_title = "".join(title.split())
        entries = []                                   # (a contents line's text without spaces, its page number)
        for line in contents.splitlines():
            m = re.match(r"^\s*(.*?)\s+(\d{1,3})\s*$", line)
            label, number = (m.group(1), int(m.group(2))) if m else (line, None)
            entries.append(("".join(label.split()), number))
        first = next(i for i, (label, _) in enumerate(entries) if label and flat_title.startswith(label[:12]))
        page = next(n for _, n in entries[first:first + 3] if n)   # a wrapped title: the number is on its first lines
        assert "".join(title.split()) in "".join(pages[page - 1].split()), (title, page)
    facts_title = "採用之事實" if lang == "zh-TW" else "Facts used"
    assert any(facts_title in p for p in pages[-4:])  # the facts used close the report
    if lang == "zh-TW":
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 500  # Chinese text, not empty boxes
    else:
        assert "跨境" not in text  # no Chinese narrative leaks into the English report


def test_report_hides_code(rendered):
    reports, _ = rendered
    text = pdf_text(reports / "DE" / "DE-en.pdf")
    for code_line in ("from crossborder import", "chapter.setup(", "scenario.load(market)", "interactive: bool"):
        assert code_line not in text




def _failing_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    title_zh = nbformat.v4.new_markdown_cell("# 99 測試")
    title_zh.metadata["tags"] = ["lang-zh-TW"]
    title_en = nbformat.v4.new_markdown_cell("# 99 Test")
    title_en.metadata["tags"] = ["lang-en"]
    params = nbformat.v4.new_code_cell('market: str = "DE"  # market\nlang: str = "en"  # language\n'
                                       'as_of: str = ""  # date\ninteractive: bool = True  # widgets')
    params.metadata["tags"] = ["parameters"]
    boom = nbformat.v4.new_code_cell('if market == "JP":\n    raise RuntimeError("chapter broke for JP")')
    nb.cells = [title_zh, title_en, params, boom]
    nbformat.write(nb, path)


def test_a_failing_market_does_not_stop_the_others_nor_replace_a_good_pdf(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / "00_overview.ipynb", notebooks)
    _failing_notebook(notebooks / "01_market_selection.ipynb")  # a registered chapter that breaks for JP
    good = tmp_path / "reports" / "JP" / "JP-en.pdf"
    good.parent.mkdir(parents=True)
    good.write_bytes(b"%PDF-1.4 previous good report %%EOF")
    behind_good = tmp_path / "reports" / "JP" / "executed-en" / "00_overview.ipynb"  # the audit copy of the good PDF
    behind_good.parent.mkdir()
    behind_good.write_text("the notebook behind the previous good PDF")
    proc = run_cli("report", "DE", "JP", "--lang", "en", "--jobs", "2", "--as-of", "2026-11-29", tmp=tmp_path,
                   env_extra={"CROSSBORDER_NOTEBOOKS": str(notebooks)})
    assert proc.returncode == 1
    assert (tmp_path / "reports" / "DE" / "DE-en.pdf").exists()
    assert good.read_bytes() == b"%PDF-1.4 previous good report %%EOF"
    # the failed run's notebooks are kept apart; the ones behind the PDF in place stay until a new PDF replaces it
    executed = tmp_path / "reports" / "JP" / "executed-en.new" / "01_market_selection.ipynb"
    assert behind_good.read_text() == "the notebook behind the previous good PDF"
    assert (tmp_path / "reports" / "DE" / "executed-en" / "00_overview.ipynb").exists()
    assert not (tmp_path / "reports" / "DE" / "executed-en.new").exists()
    assert "JP en: 01_market_selection: RuntimeError: chapter broke for JP" in proc.stderr
    assert str(executed) in proc.stderr
    assert "chapter broke for JP" in executed.read_text()  # the traceback is kept for audit
    assert not list((tmp_path / "reports" / "JP").glob("*.part"))


def test_pilot_pack_compares_the_markets_then_holds_each_report(rendered):
    """The pack reuses the reports already rendered (DE, JP: the chapter cache) and renders the US; one PDF per
    language with the comparison first, then each market as a part with its bookmarks."""
    reports, _ = rendered
    tmp = reports.parent
    proc = run_cli("pack", "DE", "JP", "US", "--lang", ",".join(LANGS), "--jobs", "2", "--as-of", "2026-11-29", tmp=tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "[DE en] 01_market_selection reused" in proc.stderr          # nothing re-ran for DE
    names = {"zh-TW": ("德國", "日本", "美國"), "en": ("Germany", "Japan", "United States")}
    decisions = {"zh-TW": ("進入", "調整再驗證", "停止"), "en": ("go", "iterate", "stop")}
    for lang in LANGS:
        pdf = reports / "pack" / "2026-11-29" / f"pilot-pack-{lang}.pdf"
        assert str(pdf) in proc.stdout.split()
        text = pdf_text(pdf)
        front = "\f".join(text.split("\f")[:4])
        assert all(n in front for n in names[lang])
        assert ("淨現值" if lang == "zh-TW" else "NPV") in front
        assert any(d in front for d in decisions[lang])                 # each market's decision
        from pypdf import PdfReader

        outline = [item.title for item in PdfReader(str(pdf)).outline if not isinstance(item, list)]
        assert len(outline) == 4                                        # the comparison, then three parts
