"""Workshop mode: handout packs, the slide deck, and the app view driven in a real headless Chromium."""

import os
import shutil
import subprocess
import time
import urllib.request
import zipfile
from datetime import date
from pathlib import Path

import nbformat
import pytest

from crossborder import workshop
from crossborder.core.paths import NOTEBOOKS_DIR

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def _tags(nb):
    return [set(c.metadata.get("tags", [])) for c in nb.cells]


def test_student_pack_has_no_solutions_and_no_outputs(tmp_path):
    folder, zipped = workshop.build_pack("zh-TW", teacher=False, out_dir=tmp_path)
    assert folder == tmp_path / "student-zh-TW"
    packed = sorted((folder / "notebooks").glob("*.ipynb"))
    assert [p.name for p in packed] == [p.name for p in CHAPTERS]
    for path in packed:
        nb = nbformat.read(path, as_version=4)
        tags = _tags(nb)
        assert not any("solution" in t for t in tags), path.name
        assert not any("lang-en" in t for t in tags), path.name  # one language per pack
        assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
        params = next(c for c, t in zip(nb.cells, tags) if "parameters" in t)
        assert 'lang: str = "zh-TW"' in params.source
    for needed in ("lib/crossborder/__init__.py", "data/scenarios/defaults.yaml", "data/glossary.csv", "pyproject.toml",
                   "README.md", "Makefile", "scripts/setup-system.sh"):
        assert (folder / needed).exists(), needed
    assert not (folder / "data" / "local").exists()
    with zipfile.ZipFile(zipped) as zf:
        names = zf.namelist()
    assert "student-zh-TW/notebooks/00_overview.ipynb" in names and "student-zh-TW/README.md" in names


def test_teacher_pack_keeps_solutions(tmp_path):
    folder, _ = workshop.build_pack("en", teacher=True, out_dir=tmp_path)
    source_solutions = sum("solution" in t and "lang-zh-TW" not in t  # the English pack keeps English explanations
                           for p in CHAPTERS for t in _tags(nbformat.read(p, as_version=4)))
    packed_solutions = sum("solution" in t for p in sorted((folder / "notebooks").glob("*.ipynb"))
                           for t in _tags(nbformat.read(p, as_version=4)))
    assert packed_solutions == source_solutions
    assert "teacher" in (folder / "README.md").read_text().lower()


def test_pack_rejects_unknown_language(tmp_path):
    from crossborder.core.errors import InputError

    with pytest.raises(InputError, match="--lang"):
        workshop.build_pack("fr", out_dir=tmp_path)


@pytest.mark.slow
def test_slide_deck_reopens_with_expected_slides(tmp_path):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    path = workshop.build_slides("DE", "en", date(2026, 11, 29), out_dir=tmp_path)
    deck = Presentation(str(path))
    slides = list(deck.slides)
    from crossborder.report.execute import chapter_notebooks

    order = chapter_notebooks()          # the report's order: the overview (00) as the appendix, last
    assert len(slides) == 1 + len(order) and order[-1].stem.startswith("00")
    assert "Germany" in slides[0].shapes.title.text
    for slide, chapter in zip(slides[1:], order):
        assert slide.shapes.title.text.startswith(chapter.stem[:2])
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert pictures, f"no chart image on the slide for {chapter.stem}"
        texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert len(texts) > 40


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


@pytest.mark.slow
def test_app_view_in_a_real_browser(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (make setup installs it)"
    port = workshop.free_port()
    env = {**os.environ, "CROSSBORDER_HOME": str(tmp_path / "home")}
    folder = workshop.app_notebooks("en", tmp_path / "app")
    proc = subprocess.Popen(workshop.serve_command(port, folder=folder), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    # what the app must not show: the exercises and their worked solutions, and the other language
    source = nbformat.read(ROOT / "notebooks" / "00_overview.ipynb", as_version=4)
    hidden = [line.strip("#*>- ").strip() for c in source.cells if c.cell_type == "markdown"
              and ({"solution", "exercise", "lang-zh-TW"} & set(c.metadata.get("tags", [])))
              for line in c.source.splitlines() if len(line.strip("#*>- ").strip()) > 12]
    assert hidden
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc)
        chart_data = ("() => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'))"
                      ".map(d => d.data.map(tr => Array.from(tr.x || []))))")
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/voila/render/00_overview.ipynb", timeout=180_000)
            page.wait_for_selector(".js-plotly-plot", timeout=180_000)
            before = page.evaluate(chart_data)
            assert "chapter.setup(" not in page.content()  # code hidden
            shown = page.inner_text("body")
            leaked = [line for line in hidden if line[:40] in shown]
            assert not leaked, leaked[:5]  # no exercise, no worked solution, no Chinese narrative
            search = page.locator("input[type=text]").first
            search.click()
            search.type("credit", delay=30)  # key by key, as a participant types
            page.wait_for_function(f"(before) => ({chart_data})() !== before", arg=before, timeout=120_000)
            after = page.evaluate(chart_data)
            browser.close()
        assert after != before and len(eval(after)[0]) == 2  # the matching-terms trace appeared
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


TOPIC_CHAPTERS = [p for p in CHAPTERS if p.stem[:2] != "00"]


@pytest.mark.parametrize("path", TOPIC_CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_ends_with_two_exercises_with_solutions(path):
    nb = nbformat.read(path, as_version=4)
    tags = _tags(nb)
    for lang in ("zh-TW", "en"):
        exercises = [c for c, t in zip(nb.cells, tags) if {"exercise", f"lang-{lang}"} <= t and c.cell_type == "markdown"]
        assert len(exercises) >= 2, f"{path.name}: fewer than two {lang} exercises"
        explained = [c for c, t in zip(nb.cells, tags) if {"solution", f"lang-{lang}"} <= t]
        assert explained, f"{path.name}: no {lang} explanation of the solutions"
    solutions = [c for c, t in zip(nb.cells, tags) if "solution" in t and c.cell_type == "code"]
    assert len(solutions) >= 2 and all("assert" in c.source for c in solutions), path.name
    assert "headline(" in nb.cells[-1].source, f"{path.name}: the headline must stay the last cell"


@pytest.mark.slow
@pytest.mark.parametrize("market, lang", [("DE", "en"), ("VN", "zh-TW")])
def test_solutions_execute(tmp_path, market, lang):
    from crossborder.report.execute import Kernel, chapter_notebooks, execute

    params = {"market": market, "lang": lang, "as_of": "2026-11-29", "interactive": False}
    failures = []
    with Kernel() as kernel:
        for path in chapter_notebooks():
            result = execute(kernel, path, tmp_path / path.name, params, workshop=True)
            if not result.ok:
                failures.append(f"{path.stem}: {result.error}")
    assert not failures, failures
