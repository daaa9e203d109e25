"""Workshop mode: handout packs and the slide deck (the app view: tests/test_workshop_serve.py)."""

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


def test_app_copies_hold_one_language_and_no_exercise_or_solution(tmp_path):
    """Voilà ignores the TagRemovePreprocessor option: the apps are served from copies without those cells."""
    folder = workshop.app_notebooks("en", tmp_path / "apps")
    copies = sorted(folder.glob("*.ipynb"))
    assert copies
    for path in copies:
        nb = nbformat.read(path, as_version=4)
        tags_seen = {t for c in nb.cells for t in c.metadata.get("tags", [])}
        assert not tags_seen & {"exercise", "solution", "lang-zh-TW"}, path.name
