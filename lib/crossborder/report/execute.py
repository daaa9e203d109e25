"""Execute chapter notebooks with papermill on one kernel per market.

Starting a kernel and importing the scientific stack costs about 2-3 s; a market's report runs up to ten
chapters in two languages, so the worker starts one kernel and hands it to papermill for every notebook
(papermill passes ``km`` through to nbclient, which then leaves the kernel running). Between notebooks the
kernel's namespace is reset, so a chapter never sees another chapter's variables; imported modules stay
loaded, which is the point.
"""

from __future__ import annotations

import ast
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from crossborder.core import registry
from crossborder.core.fileio import private_tempdir
from crossborder.core.paths import notebooks_dir
from crossborder.notebook import tags
from crossborder.notebook.chapter import DECISION_MIME, HEADLINE_MIME
from crossborder.report import cache

KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 600


@dataclass
class Executed:
    """One executed chapter: where it is, whether it ran, what it published."""

    stem: str
    path: Path
    ok: bool
    seconds: float
    error: str | None = None
    headline: dict | None = None
    decision: dict | None = None       # the business case's decision for the market (page one)
    reused: bool = False               # taken from the cache: nothing it read had changed


# Drop the user's names and the output cache; cheaper than %reset -f, which also runs a full garbage collection.
RESET_NAMESPACE = """\
_ip = get_ipython()
for _name in [n for n in _ip.user_ns if n not in _ip.user_ns_hidden and not n.startswith('_')]:
    del _ip.user_ns[_name]
_ip.displayhook.flush()
import crossborder.scenario as _cb_scenario
_cb_scenario.reset_reads()
"""
# After a notebook: which scenario sections it read (the cache's key), as a Python literal.
READS_EXPRESSION = "__import__('crossborder.scenario', fromlist=['reads']).reads()"


class _FreshNamespaceClient(PapermillNotebookClient):
    """papermill's client that first clears the kernel's namespace (a reused kernel keeps the previous
    chapter's variables otherwise; imported modules stay loaded, which is the point of reusing it)."""

    def papermill_execute_cells(self):
        reply = self.wait_for_reply(self.kc.execute(RESET_NAMESPACE, silent=True, store_history=False))
        if reply is None or reply["content"].get("status") != "ok":
            raise RuntimeError("could not reset the kernel's namespace before the notebook")
        super().papermill_execute_cells()


class SharedKernelEngine(NBClientEngine):
    """papermill's nbclient engine, on a kernel that outlives the notebook.

    nbclient leaves a kernel it does not own running, and also leaves its client's channels open; this
    engine closes the client after each notebook so a worker running twenty chapters holds one connection.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        audit_path = kwargs.pop("audit_path")
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        client = _FreshNamespaceClient(nb_man, **merge_kwargs(
            kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
            log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file))
        try:
            nb = client.execute()
            reply = client.wait_for_reply(client.kc.execute("", silent=False, store_history=False,
                                                            user_expressions={"reads": READS_EXPRESSION}))
            value = (reply or {}).get("content", {}).get("user_expressions", {}).get("reads", {})
            if value.get("status") == "ok":
                reads = ast.literal_eval(value["data"]["text/plain"])
                nb_man.nb.metadata.setdefault("crossborder", {})["reads"] = [list(r) for r in reads]
            return nb
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
            # The executed notebook, outputs and any traceback included, is kept for audit. Written here as
            # plain JSON: papermill's own writer re-validates the whole notebook (about 0.2 s a chapter).
            Path(audit_path).write_text(json.dumps(nb_man.nb, ensure_ascii=False, indent=1), encoding="utf-8")


ENGINE = "crossborder-shared-kernel"
papermill_engines.register(ENGINE, SharedKernelEngine)


class Kernel:
    """One long-lived kernel for a worker; restarted if it dies."""

    def __init__(self) -> None:
        self.km: KernelManager | None = None
        self._sockets = private_tempdir("crossborder-kernel-")  # also removes those of killed runs

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self._sockets.cleanup()

    def ready(self) -> KernelManager:
        if self.km is None or not self.km.is_alive():
            self.shutdown()
            # IPC sockets in a folder of this worker's own: parallel workers cannot race for the same TCP
            # ports or socket names, and nothing listens on the network
            self.km = KernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                                    ip=str(Path(self._sockets.name) / "kernel"))
            self.km.start_kernel(cwd=str(notebooks_dir()))
        return self.km

    def shutdown(self) -> None:
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - a dead kernel needs no shutdown
                pass
            self.km = None


def chapter_notebooks(names: list[str] | None = None) -> list[Path]:
    """The chapters' notebooks in registry order, optionally only those named by number or id.

    An unknown or empty name is refused (InputError) with the chapters that exist."""
    folder = notebooks_dir()
    chosen = registry.select(names)
    ordered = [c for c in chosen if not c.appendix] + [c for c in chosen if c.appendix]   # appendices last
    return [folder / c.notebook for c in ordered if (folder / c.notebook).exists()]


def decision_of(nb: nbformat.NotebookNode) -> dict | None:
    """The decision a chapter published (``chapter.decision``), if any."""
    found = None
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if DECISION_MIME in out.get("data", {}):
                found = dict(out["data"][DECISION_MIME])
    return found


def headline_of(nb: nbformat.NotebookNode, chapter_id: str) -> dict | None:
    """The headline chapter ``chapter_id`` published (the last one, if it published several)."""
    found = None
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if HEADLINE_MIME in data:
                found = {**dict(data[HEADLINE_MIME]), "chapter": chapter_id}
    return found


def without_workshop_cells(notebook: Path) -> nbformat.NotebookNode:
    """The notebook without its workshop exercises and solutions: a report never shows them, so it never
    spends time running them (the test suite runs the solutions separately)."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [c for c in nb.cells if tags.keep(c, drop=tags.WORKSHOP)]
    return nb


def execute(kernel: Kernel, notebook: Path, out_path: Path, parameters: dict, attempts: int = 2,
            workshop: bool = False, use_cache: bool = True) -> Executed:
    """Run one notebook with ``parameters``; the executed copy (with any traceback) lands at ``out_path``.

    Exercises and solutions are left out unless ``workshop``. With ``use_cache`` a chapter whose inputs are all
    unchanged since it last ran is taken from the cache (``crossborder.report.cache``); why it ran or was reused
    is written beside it (``<chapter>.cache.json``). An error in the notebook is final. A kernel that dies or
    fails to start (not the notebook's fault) is restarted and the notebook run again, up to ``attempts`` times.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    reason = "cache off"
    if use_cache and not workshop:
        hit, reason = cache.lookup(notebook, parameters)
        if hit is not None:
            shutil.copyfile(hit, out_path)
            nb = nbformat.read(out_path, as_version=4)
            result = Executed(notebook.stem, out_path, True, time.perf_counter() - start,
                              headline=headline_of(nb, notebook.stem), decision=decision_of(nb), reused=True)
            _write_audit(result, reason)
            return result
    source = nbformat.read(notebook, as_version=4) if workshop else without_workshop_cells(notebook)
    for attempt in range(1, attempts + 1):
        try:
            nb = pm.execute_notebook(
                source, None, parameters=parameters, kernel_name=KERNEL_NAME, language="python", audit_path=out_path,
                engine_name=ENGINE, km=kernel.ready(), cwd=str(notebooks_dir()), progress_bar=False,
                execution_timeout=CELL_TIMEOUT_S,
            )
            break
        except pm.PapermillExecutionError as exc:
            first = f"{exc.ename}: {exc.evalue}".strip().splitlines()[0] if exc.evalue else exc.ename
            return Executed(notebook.stem, out_path, False, time.perf_counter() - start, error=first)
        except Exception as exc:  # noqa: BLE001 - kernel death or timeout: restart, then report it
            kernel.shutdown()
            if attempt == attempts:
                return Executed(notebook.stem, out_path, False, time.perf_counter() - start,
                                error=f"{type(exc).__name__}: {exc}".splitlines()[0])
    result = Executed(notebook.stem, out_path, True, time.perf_counter() - start, headline=headline_of(nb, notebook.stem),
                      decision=decision_of(nb))
    _write_audit(result, reason)
    reads = nb.metadata.get("crossborder", {}).get("reads")
    if use_cache and not workshop and reads is not None:
        cache.store(notebook, parameters, out_path, [tuple(r) for r in reads], reason)
    return result


def _write_audit(result: Executed, reason: str) -> None:
    if result.headline is not None:
        result.path.with_suffix(".headline.json").write_text(
            json.dumps(result.headline, ensure_ascii=False, indent=1), encoding="utf-8")
    if result.decision is not None:
        result.path.with_suffix(".decision.json").write_text(
            json.dumps(result.decision, ensure_ascii=False, indent=1), encoding="utf-8")
    result.path.with_suffix(".cache.json").write_text(json.dumps(
        {"reused": result.reused, "reason": reason}, ensure_ascii=False, indent=1), encoding="utf-8")
