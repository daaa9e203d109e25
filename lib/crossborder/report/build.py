"""Render market reports: one PDF per market and language, markets in parallel worker processes.

For each market a worker starts one kernel, executes every chapter notebook for each language with
papermill into ``reports/<CODE>/executed-<lang>.new/``, assembles the HTML document and prints
``reports/<CODE>/<CODE>-<lang>.pdf``. Only when the new PDF is in place does the run folder replace
``executed-<lang>/``, so the audit notebooks there always match the PDF beside them; a failed run's notebooks
(tracebacks included) stay in ``executed-<lang>.new/`` for diagnosis. A failing chapter fails its market's PDF, not
the other markets; the caller gets one ``Outcome`` per market and language.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import multiprocessing
import multiprocessing.util
import shutil
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import nbformat

from crossborder import scenario
from crossborder.core.errors import InputError
from crossborder.core.fileio import atomic_write_text
from crossborder.core.i18n import check_lang, t
from crossborder.core.paths import notebooks_dir
from crossborder.report import cache
from crossborder.report.execute import Kernel, chapter_notebooks, execute
from crossborder.report.html import chapter_html, chapter_pages, chapter_title, document, facts_used
from crossborder.report.pdf import Browser, PrintError, chromium
from crossborder.scenario.facts_table import market_facts


@dataclass(frozen=True)
class Job:
    code: str
    langs: tuple[str, ...]
    as_of: date
    out_root: Path
    notebooks: tuple[Path, ...]
    use_cache: bool = True       # reuse executed chapters and PDFs whose inputs are unchanged (--force: False)


@dataclass
class Outcome:
    code: str
    lang: str
    pdf: Path | None = None
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)  # one line each, naming the executed notebook

    @property
    def ok(self) -> bool:
        return self.pdf is not None and not self.failures


def _say(code: str, lang: str, text: str) -> None:
    print(f"[{code} {lang}] {text}", file=sys.stderr, flush=True)


def _render_lang(kernel: Kernel, browser: Browser, job: Job, lang: str) -> Outcome:
    start = time.perf_counter()
    outcome = Outcome(job.code, lang)
    market_dir = job.out_root / job.code
    kept = market_dir / f"executed-{lang}"             # the notebooks behind the PDF in place: untouched until replaced
    exec_dir = market_dir / f"executed-{lang}.new"     # this run's notebooks; they stay here if it fails
    for old in (exec_dir, market_dir / f"executed-{lang}.old"):
        if old.exists():
            shutil.rmtree(old)
    exec_dir.mkdir(parents=True)
    params = {"market": job.code, "lang": lang, "as_of": job.as_of.isoformat(), "interactive": False}
    chapters = []
    decision = None
    for notebook in job.notebooks:
        result = execute(kernel, notebook, exec_dir / notebook.name, params, use_cache=job.use_cache)
        if not result.ok:
            outcome.failures.append(f"{notebook.stem}: {result.error} (traceback in {result.path})")
            _say(job.code, lang, f"{notebook.stem} FAILED: {result.error}")
            continue
        _say(job.code, lang, f"{notebook.stem} {'reused' if result.reused else 'ok'} ({result.seconds:.1f} s)")
        nb = nbformat.read(result.path, as_version=4)
        decision = result.decision or decision
        anchor = f"ch-{notebook.stem}"
        chapters.append((anchor, chapter_title(nb, lang, notebook.stem), result.headline, chapter_html(nb, lang, anchor)))
    if outcome.failures:
        outcome.seconds = time.perf_counter() - start
        return outcome
    scn = scenario.load(job.code)
    html_file = exec_dir / f"{job.code}-{lang}.html"
    doc = functools.partial(document, code=job.code, lang=lang, as_of=job.as_of,
                            facts=market_facts(scn, lang, job.as_of), example=scn.meta.example, chapters=chapters,
                            changes=scenario.overlay_changes(scn), facts_used=facts_used(scn, job.as_of, lang),
                            decision=decision)
    pdf_file = market_dir / f"{job.code}-{lang}.pdf"
    # The PDF is reused when the document it was printed from is the same to the byte (code included).
    first = doc()
    key_file = market_dir / f".{job.code}-{lang}.pdf.key"
    key = hashlib.sha256((cache.code_version() + first).encode()).hexdigest()
    if job.use_cache and pdf_file.exists() and key_file.exists() and key_file.read_text().strip() == key:
        outcome.pdf = pdf_file
        atomic_write_text(html_file, first)
        _promote(exec_dir, kept, market_dir, lang)   # this run's audit files, which match the PDF in place
        outcome.seconds = time.perf_counter() - start
        _say(job.code, lang, f"PDF unchanged, reused ({outcome.seconds:.1f} s)")
        return outcome
    try:
        # First pass prints without page numbers; the second prints the contents with the pages the first
        # pass put each chapter on (the contents page itself keeps its length, so the numbers hold).
        atomic_write_text(html_file, first)
        titles = [title for _, title, _, _ in chapters] + [t("report.facts_used", lang)]
        pages = chapter_pages(browser.render_pdf(html_file), titles)
        atomic_write_text(html_file, doc(pages=pages))
        key_file.unlink(missing_ok=True)
        outcome.pdf = browser.print_pdf(html_file, pdf_file)
        atomic_write_text(key_file, key)
    except PrintError as exc:
        outcome.failures.append(f"PDF: {exc}")
    else:
        _promote(exec_dir, kept, market_dir, lang)
    outcome.seconds = time.perf_counter() - start
    _say(job.code, lang, f"PDF {'written' if outcome.pdf else 'FAILED'} ({outcome.seconds:.1f} s)")
    return outcome


def _promote(exec_dir: Path, kept: Path, market_dir: Path, lang: str) -> None:
    """The PDF in place matches this run: its notebooks replace the previous ones (two renames, then the old
    folder is removed)."""
    if kept.exists():
        kept.rename(market_dir / f"executed-{lang}.old")
    exec_dir.rename(kept)
    shutil.rmtree(market_dir / f"executed-{lang}.old", ignore_errors=True)


def render_market(job: Job, kernel: Kernel | None = None, browser: Browser | None = None) -> list[Outcome]:
    """Render every language of one market on one kernel and one browser (its own unless given).
    Never raises: failures become Outcomes."""
    outcomes = []
    try:
        with contextlib.ExitStack() as own:
            kernel = kernel or own.enter_context(Kernel())
            browser = browser or own.enter_context(Browser())
            for lang in job.langs:
                outcomes.append(_render_lang(kernel, browser, job, lang))
    except Exception as exc:  # noqa: BLE001 - one market's crash must not stop the others
        done = {o.lang for o in outcomes}
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        outcomes += [Outcome(job.code, lang, failures=[f"worker: {detail}"]) for lang in job.langs if lang not in done]
    return outcomes


# A worker process keeps its kernel (imports already paid) and its browser from one market to the next.
_worker_tools: tuple[Kernel, Browser] | None = None


def _close_worker_tools() -> None:
    global _worker_tools
    if _worker_tools is not None:
        kernel, browser = _worker_tools
        browser.close()
        kernel.__exit__(None, None, None)
        _worker_tools = None


def _render_market_in_worker(job: Job) -> list[Outcome]:
    global _worker_tools
    if _worker_tools is None:
        _worker_tools = (Kernel(), Browser())
        multiprocessing.util.Finalize(None, _close_worker_tools, exitpriority=10)
    return render_market(job, *_worker_tools)


def plan(markets: list[str], langs: list[str], as_of: date, out_root: Path, only: list[str] | None = None,
         use_cache: bool = True) -> list[Job]:
    """Check every input before anything is written; raises InputError naming the bad argument."""
    langs = [check_lang(lang, "--lang") for lang in langs]
    if not langs:
        raise InputError("--lang: expected at least one of zh-TW, en, found nothing")
    codes = [scenario.check_market(m, "market") for m in markets] if markets else scenario.example_markets()
    for code in codes:
        scenario.load(code)  # a missing or invalid scenario fails here, naming its file and key
    notebooks = chapter_notebooks(only)
    if not notebooks:
        raise InputError(f"--only: none of the chapters {only!r} has a notebook in {notebooks_dir()}")
    chromium()  # fail early, with what to install, if there is no browser
    return [Job(code, tuple(dict.fromkeys(langs)), as_of, out_root, tuple(notebooks), use_cache)
            for code in dict.fromkeys(codes)]


def render(jobs: list[Job], workers: int = 1) -> list[Outcome]:
    """Run the jobs, ``workers`` markets at a time (processes); returns outcomes in job order."""
    if workers <= 1 or len(jobs) <= 1:
        return [o for job in jobs for o in render_market(job)]
    by_code: dict[str, list[Outcome]] = {}
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(_render_market_in_worker, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                by_code[job.code] = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker process that died
                by_code[job.code] = [Outcome(job.code, lang, failures=[f"worker died: {exc}"]) for lang in job.langs]
    return [o for job in jobs for o in by_code[job.code]]
