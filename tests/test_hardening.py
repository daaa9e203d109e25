"""Hostile and broken input (issue 20): user text never runs in a report, no bombs, no tracebacks, an honest
plan history, no leftovers. One test per class of input."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from crossborder import scenario
from crossborder.core import fileio, rates, tables, yamlio
from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, PROJ_ROOT, SCENARIO_DIR
from crossborder.core.tables import Column, read_table
from crossborder.core.text import brief_repr, escape_md, neutralize_md, one_line

ROOT = Path(__file__).resolve().parents[1]


def run_cli(tmp_path, *args, timeout=600):
    env = {**os.environ, "CROSSBORDER_HOME": str(tmp_path / "home"), "CROSSBORDER_REPORTS": str(tmp_path / "reports"),
           "PYTHONPATH": str(ROOT / "lib")}
    return subprocess.run([sys.executable, "-m", "crossborder.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def one_error_line(proc, expected: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and expected in lines[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------ 1. user text never runs in a report

def test_escape_md_renders_user_text_literally():
    import markdown_it  # nbconvert's renderer family; CommonMark semantics

    md = markdown_it.MarkdownIt("commonmark")
    payload = "**b** <script>x()</script> ![i](http://127.0.0.1:9/x) [l](javascript:alert(1)) # h\n- li"
    out = md.render(f"Note: {escape_md(payload)}")
    assert "<script" not in out and "<img" not in out and "<a " not in out and "<strong>" not in out
    assert "&lt;script&gt;x()&lt;/script&gt;" in out and "**b**" in out and "\n-" not in out


def test_show_neutralizes_raw_html_and_images_and_escapes_tables(monkeypatch):
    from crossborder.notebook import chapter

    shown = []
    monkeypatch.setattr(chapter, "display", lambda obj, **kw: shown.append(obj))
    chapter.show("Risk: <img src=x onerror=alert(1)> ![a](http://127.0.0.1:9/y) & more")
    assert "<img" not in shown[0].data and "&lt;img" in shown[0].data and "!\\[a]" in shown[0].data
    chapter.show(pd.DataFrame({"risk": ["</td><script>alert(1)</script>"]}))
    table_html = shown[1]["text/html"]                      # a table is shown as HTML plus its values as data
    assert "<script>" not in table_html and "&lt;script&gt;" in table_html
    assert neutralize_md("a < b & c") == "a &lt; b &amp; c"


def test_report_html_has_csp_and_chart_data_cannot_break_out():
    from crossborder.report import html

    fig = {"data": [{"type": "bar", "x": ["</script><script>alert(1)</script><!--"], "y": [1]}], "layout": {}}
    chart = html._plotly_html(fig, "f1")
    assert "</script><script>" not in chart and "<!--" not in chart.replace("<\\u0021--", "")
    policy = html.csp(["a();"])
    assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert "img-src data:" in policy and "connect-src 'none'" in policy and "frame-src 'none'" in policy


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"FETCHEDFROMSERVER")

    def log_message(self, *args):
        pass


@pytest.fixture()
def local_server():
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture()
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("SECRETMARKER7781")
    return path


def test_printer_has_no_network_and_no_files(tmp_path, local_server, secret_file):
    """Defence in depth: even a document without CSP that asks for the network and files gets nothing."""
    from crossborder.report.pdf import Browser

    port = local_server
    page = tmp_path / "page.html"
    page.write_text(f"""<html><body><p>visible text</p><img src="http://127.0.0.1:{port}/img">
<iframe src="{secret_file.as_uri()}"></iframe><iframe src="http://127.0.0.1:{port}/frame"></iframe>
<link rel="stylesheet" href="http://localhost:{port}/css"><script>fetch("http://127.0.0.1:{port}/fetch")</script>
<object data="{secret_file.as_uri()}"></object></body></html>""")
    with Browser() as browser:
        pdf = browser.render(page)
    time.sleep(0.3)
    out = tmp_path / "page.pdf"
    out.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "visible text" in text
    assert "SECRETMARKER7781" not in text and "FETCHEDFROMSERVER" not in text
    assert _Recorder.hits == []


def _payload(tag: str, port: int, secret: Path) -> str:
    return (f"{tag}</script><iframe src={secret.as_uri()}></iframe><img src=http://127.0.0.1:{port}/{tag} "
            f"onerror=document.write('RAN'+'JS')><script>document.write('RAN'+'JS')</script><!--")


def test_payloads_in_every_user_text_print_as_text(tmp_path, local_server, secret_file):
    port = local_server
    home = tmp_path / "home"
    (home / "scenarios").mkdir(parents=True)
    payloads = {name: _payload(name, port, secret_file) for name in ("FXNOTE", "FXTERMS", "REGION", "RISKNAME", "PLANNOTE")}
    (home / "scenarios" / "DE.yaml").write_text(yaml.safe_dump({
        "fx": {"invoice_note": {"en": payloads["FXNOTE"], "zh-TW": "x"}, "terms": {"en": payloads["FXTERMS"], "zh-TW": "x"}},
        "plan": {"poc_regions": [{"en": payloads["REGION"], "zh-TW": "x"}, {"en": "Bavaria", "zh-TW": "x"},
                                 {"en": "Hesse", "zh-TW": "x"}]},
    }, allow_unicode=True))
    risks = pd.read_csv(DATA_DIR / "risks.csv", dtype=str, keep_default_na=False)
    risks.loc[risks["market"] == "all", "risk_en"] = risks["risk_en"].where(risks.index != risks.index[0], payloads["RISKNAME"])
    risks.to_csv(home / "risks.csv", index=False)
    assert run_cli(tmp_path, "plan", "init", "DE", "--start", "2026-01-05", "--by", "Mei").returncode == 0
    proc = run_cli(tmp_path, "plan", "set", "DE", "P1-01", "--status", "on-track", "--note", payloads["PLANNOTE"],
                   "--on", "2026-01-06")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli(tmp_path, "report", "DE", "--lang", "en", "--only", "05,08,09", "--as-of", "2026-02-02", timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    pdf = tmp_path / "reports" / "DE" / "DE-en.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    time.sleep(0.3)
    assert _Recorder.hits == []                                   # nothing reached the local server
    assert "SECRETMARKER7781" not in text and "FETCHEDFROMSERVER" not in text
    assert "RANJS" not in flat                                    # no script or handler ran
    for name in payloads:                                         # each payload shown as literal text
        assert f"{name}</script><iframe" in flat, name
    html = (tmp_path / "reports" / "DE" / "executed-en" / "DE-en.html").read_text()
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)  # plotly.js and chart data (JSON)
    assert "<iframe" not in markup and "<img" not in markup
    assert not re.search(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", markup)  # no event handler attribute on any element


# ------------------------------------------------------------------ 3. no infinities, no bombs, no tracebacks

def _overlay(home: Path, text: str | bytes) -> Path:
    path = home / "scenarios" / "DE.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def _load_error(code: str = "DE") -> str:
    with pytest.raises(InputError) as exc:
        scenario.load(code)
    return str(exc.value)


@pytest.mark.parametrize("text, expected", [
    ("risk:\n  revenue: .inf\n", "expected a finite number, found '.inf'"),
    ("risk:\n  revenue: .nan\n", "expected a finite number"),
    ("risk:\n  revenue: 'inf'\n", "key 'risk.revenue'"),
    ("risk:\n  revenue: 1\n  revenue: 2\n", "duplicate key 'revenue'"),
    ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
     "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\nrisk: {adjust: *f}\n", "aliases expanded"),
    ("risk:\n  adjust: " + "[" * 200 + "]" * 200 + "\n", "levels of nesting"),
])
def test_bad_yaml_is_one_line(user_folder, text, expected):
    _overlay(user_folder, text)
    error = _load_error()
    assert expected in error and "DE.yaml" in error and len(error) < 400


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary\xff", "risk:\n  seed: 1\n".encode("utf-16"), b"\xc3\x28bad"])
def test_binary_and_utf16_overlays_are_one_line(user_folder, content):
    _overlay(user_folder, content)
    error = _load_error()
    assert "DE.yaml" in error and "UTF-8" in error


def test_directory_fifo_and_device_link_overlays_do_not_hang(user_folder):
    path = user_folder / "scenarios" / "DE.yaml"
    path.mkdir(parents=True)
    assert "expected a regular scenario file" in _load_error()
    path.rmdir()
    os.mkfifo(path)
    start = time.monotonic()
    assert "expected a regular scenario file" in _load_error()
    assert time.monotonic() - start < 5
    path.unlink()
    path.symlink_to("/dev/zero")
    assert "expected a regular scenario file" in _load_error()


def test_huge_values_are_echoed_briefly(user_folder):
    with pytest.raises(InputError) as exc:
        scenario.check_market("X" * 100_000)
    assert len(str(exc.value)) < 300
    _overlay(user_folder, "risk:\n  seed: '" + "y" * 100_000 + "'\n")
    assert len(_load_error()) < 400
    assert len(brief_repr(list(range(10**6)))) < 120


def test_zero_volatility_is_refused_at_load(user_folder):
    _overlay(user_folder, "rates:\n  pairs:\n    TWD/EUR:\n      volatility_annual: 0\n")
    assert "volatility_annual" in _load_error()


def test_empty_and_absurd_csvs_are_one_line(tmp_path):
    spec = {"id": Column(), "loss": Column("float", min=0)}
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="found an empty file"):
        read_table(empty, spec)
    for bad in ("inf", "nan", "1e308", "-inf"):
        path = tmp_path / "bad.csv"
        path.write_text(f"id,loss\nA,{bad}\n")
        with pytest.raises(InputError, match=r"line 2.*column 'loss'"):
            read_table(path, spec, key="id")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError, match="expected a regular CSV file"):
        read_table(tmp_path / "dir.csv", spec)


def test_csv_row_count_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    path = tmp_path / "many.csv"
    path.write_text("id,loss\n" + "".join(f"R{i},1\n" for i in range(6)))
    with pytest.raises(InputError, match="at most 5 rows, found 6"):
        read_table(path, {"id": Column(), "loss": Column("float")})


def test_fx_history_that_jumps_by_orders_of_magnitude_is_refused(user_folder):
    path = rates.user_history_file("TWD", "EUR")
    path.parent.mkdir(parents=True)
    path.write_text("date,rate\n2025-01-02,1e-5\n2025-01-03,1e5\n2025-01-06,1e-5\n")
    with pytest.raises(InputError, match="within a factor"):
        rates.history("TWD", "EUR")


def test_alias_bomb_is_refused_quickly_without_memory():
    text = "a: &a [" + ",".join(["x"] * 10) + "]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8))
    start = time.monotonic()
    with pytest.raises(InputError, match="aliases expanded"):
        yamlio.load_yaml(text, Path("bomb.yaml"))
    assert time.monotonic() - start < 2


@pytest.mark.parametrize("args, expected", [
    (["report", "DE", "--as-of", "0001-01-01"], "--as-of: expected a date from 2000-01-01"),
    (["report", "DE", "--as-of", "9999-12-31"], "--as-of: expected a date from"),
    (["plan", "init", "DE", "--start", "0001-01-01"], "--start: expected a date from"),
    (["plan", "init", "DE", "--start", "9999-12-25"], "--start: expected a date from"),
    (["workshop", "slides", "DE", "--as-of", "0001-01-01"], "--as-of: expected a date from"),
    (["report", "DE", "--only", ""], "--only: expected chapter numbers"),
])
def test_dates_out_of_range_and_empty_lists_are_one_line(tmp_path, args, expected):
    one_error_line(run_cli(tmp_path, *args), expected)


def test_report_date_parameter_is_bounded():
    from crossborder.notebook.chapter import report_date

    with pytest.raises(InputError, match="expected a date from"):
        report_date("0001-01-01")


# ------------------------------------------------------------------ 4. the plan history tells the truth

def test_plan_by_refuses_control_characters_and_notes_print_on_one_line(tmp_path):
    assert run_cli(tmp_path, "plan", "init", "DE", "--start", "2026-01-05", "--by", "Mei").returncode == 0
    one_error_line(run_cli(tmp_path, "plan", "set", "DE", "P1-01", "--note", "x", "--by", "Mei\n2026 forged by boss"),
                   "--by: expected a name without control characters")
    one_error_line(run_cli(tmp_path, "plan", "set", "DE", "P1-01", "--note", "x", "--by", "A" * 500),
                   "--by: expected at most 80 characters")
    note = "line one\n2026-01-01T00:00:00Z  on 2026-01-01  P1-02  by CEO: forged\x1b[31mred\x1b[0m"
    assert run_cli(tmp_path, "plan", "set", "DE", "P1-01", "--note", note, "--by", "Mei").returncode == 0
    out = run_cli(tmp_path, "plan", "history", "DE").stdout
    lines = out.strip().splitlines()
    assert len(lines) == 2 and "\x1b" not in out and "\\x1b[31mred" in lines[-1] and "line one\\n2026" in lines[-1]
    from crossborder.chapters.plan import store

    os.environ["CROSSBORDER_HOME"] = str(tmp_path / "home")
    assert store.load_plan("DE").tasks.loc["P1-01", "note"] == note  # stored as given
    assert "\x1b" not in run_cli(tmp_path, "plan", "show", "DE", "--lang", "en", "--as-of", "2026-01-06").stdout


def test_one_line_shows_control_characters():
    assert one_line("a\nb\x1b[0m\u202e") == "a\\nb\\x1b[0m\\u202e"


# ------------------------------------------------------------------ 5. smaller gaps

def test_stale_temporary_files_are_removed_on_the_next_write(tmp_path):
    target = tmp_path / "DE-en.pdf"
    stale = tmp_path / ".DE-en.pdf.abc123.tmp"
    fresh = tmp_path / ".DE-en.pdf.def456.tmp"  # a concurrent writer's: too young to touch
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fileio.atomic_write_bytes(target, b"%PDF new")
    assert not stale.exists() and fresh.exists() and target.read_bytes() == b"%PDF new"


def test_orphaned_private_temp_folders_are_removed():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import tempfile

    orphan = Path(tempfile.mkdtemp(prefix="crossborder-test-orphan-"))
    (orphan / fileio.OWNER_FILE).write_text(str(dead.pid))
    mine = fileio.private_tempdir("crossborder-test-orphan-")
    try:
        assert not orphan.exists() and Path(mine.name).exists()
        assert fileio.remove_orphan_tempdirs("crossborder-test-orphan-") == []  # a live owner's folder stays
    finally:
        mine.cleanup()


def test_workshop_build_validates_every_language_first(tmp_path):
    one_error_line(run_cli(tmp_path, "workshop", "build", "--lang", "en,fr"), "--lang: expected one of zh-TW, en, found 'fr'")
    assert not (tmp_path / "reports").exists()


def test_markets_lists_only_renderable_markets_and_warns(tmp_path):
    scen = tmp_path / "home" / "scenarios"
    scen.mkdir(parents=True)
    (scen / "fr.yaml").write_text("meta: {}\n")
    (scen / "JP.yaml").write_text("risk:\n  seed: .inf\n")
    proc = run_cli(tmp_path, "markets")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    listed = [line.split()[0] for line in proc.stdout.splitlines()]
    assert "DE" in listed and "fr" not in listed and "FR" not in listed and "JP" not in listed
    assert "skipped 'fr'" in proc.stderr and "skipped 'JP'" in proc.stderr


def test_packs_copy_only_tracked_files():
    from crossborder import workshop

    if not (PROJ_ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    planted = [DATA_DIR / ".env", DATA_DIR / "someones_folder" / "customers.csv"]
    try:
        for path in planted:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("SECRET=1")
        files = {str(p) for p in workshop.shipped_files(["data", "lib"], ["pyproject.toml"])}
        assert "data/risks.csv" in files and "lib/crossborder/cli.py" in files and "pyproject.toml" in files
        assert "data/.env" not in files and "data/someones_folder/customers.csv" not in files
    finally:
        for path in planted:
            path.unlink(missing_ok=True)
        shutil.rmtree(DATA_DIR / "someones_folder", ignore_errors=True)
    assert SCENARIO_DIR.is_dir()
