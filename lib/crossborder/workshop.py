"""Workshop mode: handout packs, the no-code app view, and a slide deck per market.

- ``build_pack(lang, teacher)``: a self-contained copy of the workbook for participants under
  ``reports/workshop/``: the notebooks in one language with outputs cleared (the student pack also without the
  cells tagged ``solution``), the package, the shipped data and scenarios, and a short README; also as a zip.
- the app view (Voilà serving the chapters as apps for a class, safely) lives in ``crossborder.serve``.
- ``build_slides(code, lang)``: a PowerPoint deck: a title slide, then per chapter its key message, its main
  chart as an image (plotly static export through kaleido, which drives Debian's Chromium) and its talking
  points, with the market's numbers (the chapters are executed for the market first).

Exercise conventions (see CONTRIBUTING.md): each chapter ends with exercises in cells tagged ``exercise`` (and
``lang-zh-TW`` / ``lang-en`` for the narrative), each followed by worked solutions tagged ``solution``.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import warnings
import zipfile
from datetime import date
from pathlib import Path

import nbformat

from crossborder.core.errors import InputError
from crossborder.core.fileio import atomic_write_bytes
from crossborder.core.i18n import check_lang, country_name, t
from crossborder.core.paths import DATA_DIR, PROJ_ROOT, notebooks_dir, reports_dir
from crossborder.notebook import tags

PACK_FILES = ("pyproject.toml", "environment.yml", "Makefile", "CONTRIBUTING.md")
PACK_DIRS = ("lib", "scripts")


def workshop_dir() -> Path:
    return reports_dir() / "workshop"


# ------------------------------------------------------------------------------------------------- packs

def pack_notebook(nb: nbformat.NotebookNode, lang: str, teacher: bool) -> nbformat.NotebookNode:
    """A notebook for a pack: one language's narrative, outputs cleared, solutions only for teachers."""
    cells = []
    for cell in nb.cells:
        if not tags.keep(cell, lang=lang, drop=() if teacher else (tags.SOLUTION,)):
            continue
        cell = nbformat.from_dict(json.loads(json.dumps(cell)))
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    out = nbformat.from_dict(json.loads(json.dumps(nb)))
    out.cells = cells
    out.metadata.pop("widgets", None)
    out.metadata.pop("papermill", None)
    # the pack's notebooks open in the teaching language by default
    for cell in out.cells:
        if tags.PARAMETERS in tags.tags_of(cell):
            cell.source = cell.source.replace('lang: str = "zh-TW"', f'lang: str = "{lang}"')
    return out


def _untracked_ok(rel: Path) -> bool:
    """Outside a git checkout: what the shipped set looks like (no hidden files, no user folder, no caches)."""
    return not any(part.startswith(".") or part in ("local", "__pycache__") or part.endswith(".egg-info")
                   for part in rel.parts)


def shipped_files(folders: list, files: list) -> list[Path]:
    """The project files a pack copies (paths relative to the project): in a git checkout the files git tracks
    (``git ls-files``) under ``folders`` plus ``files``; otherwise every file there except hidden ones, the user
    folder (``data/local``) and caches."""
    wanted = [str(f) for f in folders] + [str(f) for f in files]
    if (PROJ_ROOT / ".git").exists():
        try:
            out = subprocess.run(["git", "-C", str(PROJ_ROOT), "ls-files", "-z", "--", *wanted], capture_output=True,
                                 check=True, timeout=60).stdout.decode("utf-8")
            return [Path(p) for p in out.split("\0") if p and (PROJ_ROOT / p).is_file()]
        except (OSError, subprocess.SubprocessError):
            pass  # no git on PATH: the shipped set below
    found = [Path(f) for f in files if (PROJ_ROOT / f).is_file()]
    for folder in folders:
        for path in sorted((PROJ_ROOT / folder).rglob("*")):
            rel = path.relative_to(PROJ_ROOT)
            if path.is_file() and not path.is_symlink() and _untracked_ok(rel):
                found.append(rel)
    return found


def build_pack(lang: str, teacher: bool = False, out_dir: Path | None = None) -> tuple[Path, Path]:
    """Write the pack folder and its zip; returns (folder, zip). Replaces an earlier pack of the same kind."""
    check_lang(lang, "--lang")
    kind = "teacher" if teacher else "student"
    out_dir = out_dir or workshop_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{kind}-{lang}"
    final = out_dir / name
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".{name}.") as tmp:
        root = Path(tmp) / name
        (root / "notebooks").mkdir(parents=True)
        for path in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
            nbformat.write(pack_notebook(nbformat.read(path, as_version=4), lang, teacher), root / "notebooks" / path.name)
        # only what the project ships: a planted data/.env or a user folder inside data/ never reaches a pack
        for rel in shipped_files([DATA_DIR.relative_to(PROJ_ROOT), *PACK_DIRS], PACK_FILES):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJ_ROOT / rel, root / rel)
        (root / "reports").mkdir()
        (root / "README.md").write_text(t(f"workshop.pack_readme_{kind}", lang, date=date.today().isoformat()),
                                        encoding="utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    zf.write(file, Path(name) / file.relative_to(root))
        if final.exists():
            shutil.rmtree(final)
        root.rename(final)
    zip_path = out_dir / f"{name}.zip"
    atomic_write_bytes(zip_path, buffer.getvalue())
    return final, zip_path


# --------------------------------------------------------------------------------------------- app view

def app_notebooks(lang: str, out_dir: Path) -> Path:
    """Copies of the chapters for the app view in ``out_dir``: one language, with no exercises and no worked
    solutions (Voilà does not apply nbconvert's TagRemovePreprocessor given on its command line, so the cells are
    removed from the files it serves). Returns ``out_dir``."""
    check_lang(lang, "--lang")
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        nb = pack_notebook(nbformat.read(path, as_version=4), lang, teacher=False)
        nb.cells = [c for c in nb.cells if tags.keep(c, lang=lang, drop=tags.WORKSHOP)]
        nbformat.write(nb, out_dir / path.name)
    return out_dir


# ------------------------------------------------------------------------------------------------ slides

def main_figure(nb: nbformat.NotebookNode) -> dict | None:
    """The first chart a chapter shows (its main chart)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            fig = out.get("data", {}).get("application/vnd.plotly.v1+json")
            if fig:
                return fig
    return None


def build_slides(code: str, lang: str, as_of: date, out_dir: Path | None = None) -> Path:
    """Execute the chapters for a market and write its deck ``<CODE>-<lang>.pptx``."""
    import kaleido
    import plotly.io as pio
    from pptx import Presentation
    from pptx.util import Emu, Pt

    from crossborder import scenario
    from crossborder.report.execute import Kernel, chapter_notebooks, execute
    from crossborder.report.html import chapter_title

    code = scenario.check_market(code)
    check_lang(lang, "--lang")
    scn = scenario.load(code)
    out_dir = out_dir or workshop_dir() / "slides"
    out_dir.mkdir(parents=True, exist_ok=True)
    params = {"market": code, "lang": lang, "as_of": as_of.isoformat(), "interactive": False}
    chapters = []
    with tempfile.TemporaryDirectory(prefix="crossborder-slides-") as tmp, Kernel() as kernel:
        for path in chapter_notebooks():
            result = execute(kernel, path, Path(tmp) / path.name, params)
            if not result.ok:
                raise InputError(f"{path.stem}: the chapter failed for {code} ({result.error}); fix it before making slides")
            nb = nbformat.read(result.path, as_version=4)
            chapters.append((chapter_title(nb, lang, path.stem), result.headline or {}, main_figure(nb)))

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)  # 16:9
    title_layout, content_layout = deck.slide_layouts[0], deck.slide_layouts[5]  # title; title only
    first = deck.slides.add_slide(title_layout)
    first.shapes.title.text = t("workshop.deck_title", lang, market=country_name(code, lang))
    first.placeholders[1].text = t("workshop.deck_subtitle", lang, product=scn.exporter.product(lang),
                                   as_of=as_of.isoformat())
    kaleido.start_sync_server(headless=True)
    try:
        for title, headline, fig in chapters:
            slide = deck.slides.add_slide(content_layout)
            slide.shapes.title.text = title
            slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(28)
            box = slide.shapes.add_textbox(Emu(457200), Emu(1400000), Emu(4400000), Emu(4800000)).text_frame
            box.word_wrap = True
            box.text = headline.get("key_figure", "")
            box.paragraphs[0].font.size, box.paragraphs[0].font.bold = Pt(24), True
            for line in [headline.get("text", ""), *headline.get("points", [])[:3]]:
                if line:
                    para = box.add_paragraph()
                    para.text = line
                    para.font.size = Pt(15)
                    para.space_before = Pt(8)
            if fig is not None:
                with warnings.catch_warnings():  # plotly warns that kaleido's server ignores per-call options
                    warnings.simplefilter("ignore", UserWarning)
                    png = pio.to_image(fig, format="png", width=900, height=560, scale=2)
                slide.shapes.add_picture(io.BytesIO(png), Emu(5000000), Emu(1300000), width=Emu(6900000))
    finally:
        kaleido.stop_sync_server()
    buffer = io.BytesIO()
    deck.save(buffer)
    path = out_dir / f"{code}-{lang}.pptx"
    atomic_write_bytes(path, buffer.getvalue())
    return path
