"""The cache of executed chapters: each part of the key forces a re-run, an unrelated section does not,
concurrent writers never tear an entry, and the size is bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crossborder import scenario
from crossborder.report import cache

PARAMS = {"market": "DE", "lang": "en", "as_of": "2026-11-29", "interactive": False}
READS = [("DE", "pricing"), ("DE", "exporter"), ("DE", "market")]


@pytest.fixture()
def setup(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CROSSBORDER_HOME", str(home))
    notebook = tmp_path / "03_pricing.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    executed = tmp_path / "executed.ipynb"
    executed.write_text(notebook.read_text())
    cache.store(notebook, PARAMS, executed, READS, "not cached")
    return home, notebook, executed


def _overlay(home: Path, text: str) -> None:
    (home / "scenarios").mkdir(parents=True, exist_ok=True)
    (home / "scenarios" / "DE.yaml").write_text(text, encoding="utf-8")


def test_unchanged_inputs_reuse_the_chapter(setup):
    _, notebook, _ = setup
    hit, reason = cache.lookup(notebook, PARAMS)
    assert hit is not None and reason == "unchanged"


def test_the_chapter_s_own_section_in_a_user_overlay_forces_a_rerun(setup):
    home, notebook, _ = setup
    _overlay(home, "pricing:\n  stress:\n    fx_shift: 0.05\n")
    assert cache.lookup(notebook, PARAMS) == (None, "scenario DE.pricing changed")


def test_an_unrelated_section_does_not(setup):
    home, notebook, _ = setup
    _overlay(home, "funnel:\n  confidence: 0.9\n")
    scenario.load("DE")  # the overlay is valid
    hit, reason = cache.lookup(notebook, PARAMS)
    assert hit is not None and reason == "unchanged"


def test_a_data_file_in_the_user_folder_forces_a_rerun(setup):
    home, notebook, _ = setup
    (home / "data").mkdir(parents=True)
    (home / "data" / "products.csv").write_text("model\nX\n", encoding="utf-8")
    assert cache.lookup(notebook, PARAMS) == (None, "data changed")


def test_the_notebook_the_parameters_and_the_code_force_a_rerun(setup, monkeypatch):
    _, notebook, _ = setup
    assert cache.lookup(notebook, {**PARAMS, "lang": "zh-TW"})[0] is None      # another entry altogether
    assert cache.lookup(notebook, {**PARAMS, "interactive": True}) == (None, "parameters changed")
    original = cache.code_version
    monkeypatch.setattr(cache, "code_version", lambda: "another version of the package")
    assert cache.lookup(notebook, PARAMS) == (None, "code changed")
    monkeypatch.setattr(cache, "code_version", original)
    notebook.write_text(notebook.read_text().replace('"cells": []', '"cells": [], "x": 1'))
    assert cache.lookup(notebook, PARAMS) == (None, "notebook changed")


def test_a_torn_or_corrupt_entry_is_a_miss(setup):
    _, notebook, _ = setup
    manifest = next((cache.cache_dir()).rglob("*.json"))
    manifest.write_text("{not json", encoding="utf-8")
    assert cache.lookup(notebook, PARAMS) == (None, "not cached")


def test_concurrent_writers_leave_a_whole_entry(setup):
    _, notebook, executed = setup
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(20):
                cache.store(notebook, PARAMS, executed, READS, "test")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert cache.lookup(notebook, PARAMS)[0] is not None
    assert not list(cache.cache_dir().rglob("*.tmp"))


def test_two_processes_at_once_never_corrupt_the_cache(setup, tmp_path):
    home, notebook, executed = setup
    code = ("import sys, json; from pathlib import Path; from crossborder.report import cache\n"
            f"p = {PARAMS!r}\n"
            "for _ in range(30): cache.store(Path(sys.argv[1]), p, Path(sys.argv[2]), [('DE', 'pricing')], 'x')\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(notebook), str(executed)]) for _ in range(2)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    hit, _ = cache.lookup(notebook, PARAMS)
    assert hit is not None and json.loads(hit.read_text())["nbformat"] == 4


def test_the_cache_is_bounded(setup, monkeypatch):
    _, notebook, executed = setup
    executed.write_text(executed.read_text() + " " * 200_000)
    for i in range(6):
        cache.store(notebook, {**PARAMS, "as_of": f"2026-11-{i + 10}"}, executed, READS, "x")
    monkeypatch.setenv("CROSSBORDER_CACHE_MB", "0.5")
    cache.prune()
    total = sum(p.stat().st_size for p in cache.cache_dir().rglob("*") if p.is_file())
    assert total <= 0.5 * 1024 * 1024
    assert cache.lookup(notebook, {**PARAMS, "as_of": "2026-11-15"})[0] is not None   # the newest kept


@pytest.mark.slow
def test_a_report_reruns_only_the_chapters_whose_inputs_changed(tmp_path):
    env = {**os.environ, "CROSSBORDER_HOME": str(tmp_path / "home"), "CROSSBORDER_REPORTS": str(tmp_path / "reports")}
    cmd = [sys.executable, "-m", "crossborder.cli", "report", "DE", "--lang", "en", "--only", "00,03",
           "--as-of", "2026-11-29"]

    def run(*extra: str) -> dict[str, dict]:
        proc = subprocess.run([*cmd, *extra], capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        folder = tmp_path / "reports" / "DE" / "executed-en"
        return {p.name.split(".")[0]: json.loads(p.read_text()) for p in folder.glob("*.cache.json")}

    first = run()
    assert set(first) == {"00_overview", "03_pricing"} and not any(v["reused"] for v in first.values())
    second = run()
    assert all(v["reused"] for v in second.values())
    _overlay(tmp_path / "home", "pricing:\n  stress:\n    fx_shift: 0.05\n")
    third = run()
    assert third["03_pricing"] == {"reused": False, "reason": "scenario DE.pricing changed"}
    assert third["00_overview"]["reused"]
    forced = run("--force")
    assert not any(v["reused"] for v in forced.values())
