"""A cache of executed chapters, keyed by content: a chapter runs again only when something it read changed.

The key of an executed chapter (market, language, report date) is recorded beside it as a manifest:

- the notebook's content and the parameters it ran with;
- the package's own code (every module, string file and template of ``crossborder``);
- the data it may read: every shipped data file but the scenarios, every file of the user folder but the
  scenarios and this cache (data files, fact-store copies, the plan tracker's database);
- the scenario sections it actually read, per market (recorded while it ran through
  ``crossborder.scenario.reads()``), each by the hash of its merged values over every layer, shipped and user.

A later render reuses the executed notebook when all of these are unchanged, so changing one chapter's section
in a user overlay re-runs that chapter and the ones that read it (the business case reads every chapter),
nothing else. The manifest says why a chapter ran (``reason``) for an audit. Writes are atomic (a temporary
file, then a rename), so two renders at once never leave a torn entry; a corrupt or partial entry is a miss.
The cache lives in ``<user folder>/cache/chapters`` and is pruned, oldest first, to ``CROSSBORDER_CACHE_MB``
(default 400 MB).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from crossborder import scenario
from crossborder.core.errors import InputError
from crossborder.core.fileio import atomic_write_text
from crossborder.core.paths import DATA_DIR, PROJ_ROOT, user_home

FORMAT = 1
DEFAULT_LIMIT_MB = 400
_CODE_SUFFIXES = {".py", ".yaml", ".j2", ".css"}


def cache_dir() -> Path:
    return user_home() / "cache" / "chapters"


def _sha(parts: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def _tree(root: Path, skip: tuple[str, ...]) -> list[bytes]:
    """Path and content of every file below ``root`` except the ``skip`` top-level folders, in a fixed order."""
    if not root.is_dir():
        return []
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if rel.parts[0] in skip or path.name.startswith(".") or path.suffix in {".tmp", ".lock"}:
            continue
        out += [str(rel).encode(), path.read_bytes()]
    return out


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package's own code and texts (computed once a process: code does not change under a render)."""
    lib = PROJ_ROOT / "lib" / "crossborder"
    files = sorted(p for p in lib.rglob("*") if p.is_file() and p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts)
    return _sha(b for p in files for b in (str(p.relative_to(lib)).encode(), p.read_bytes()))


def data_version() -> str:
    """Every data file a chapter may read, shipped and the user's, scenarios and this cache aside."""
    shipped = _tree(DATA_DIR, skip=("scenarios", "local"))
    user = _tree(user_home(), skip=("scenarios", "cache"))
    return _sha([*shipped, b"--user--", *user])


def section_hash(code: str, section: str) -> str:
    """The merged values of one section of a market's scenario, every layer applied."""
    try:
        raw = scenario.load(code).raw.get(section)
    except InputError as exc:  # a market that no longer loads: never equal to a recorded hash
        return f"error:{exc}"
    return _sha([json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False).encode()])


def _entry(notebook: Path, params: dict[str, Any]) -> Path:
    return cache_dir() / notebook.stem / f"{params['market']}-{params['lang']}-{params['as_of']}"


def _key(notebook: Path, params: dict[str, Any]) -> dict[str, str]:
    return {"format": str(FORMAT), "notebook": _sha([notebook.read_bytes()]),
            "parameters": _sha([json.dumps(params, sort_keys=True).encode()]),
            "code": code_version(), "data": data_version()}


def lookup(notebook: Path, params: dict[str, Any]) -> tuple[Path | None, str]:
    """The cached executed notebook if nothing it read changed, else None; and why (for the audit)."""
    base = _entry(notebook, params)
    manifest, executed = base.with_suffix(".json"), base.with_suffix(".ipynb")
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, "not cached"
    if not executed.is_file():
        return None, "not cached"
    key = _key(notebook, params)
    for part, value in key.items():
        if recorded.get("key", {}).get(part) != value:
            return None, f"{part} changed"
    for item in recorded.get("sections", []):
        code, section, digest = item
        if section_hash(code, section) != digest:
            return None, f"scenario {code}.{section} changed"
    os.utime(manifest)  # recently used: pruned last
    return executed, "unchanged"


def store(notebook: Path, params: dict[str, Any], executed: Path, reads: list[tuple[str, str]], reason: str) -> None:
    """Keep an executed chapter with the key of what it read (atomic; never fails the render)."""
    base = _entry(notebook, params)
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(base.with_suffix(".ipynb"), executed.read_text(encoding="utf-8"))
        manifest = {
            "chapter": notebook.stem, "parameters": params, "key": _key(notebook, params),
            "sections": [[code, section, section_hash(code, section)] for code, section in reads],
            "ran_because": reason, "stored": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        atomic_write_text(base.with_suffix(".json"), json.dumps(manifest, ensure_ascii=False, indent=1))
        prune()
    except OSError:
        pass  # a full disk or a read-only folder costs speed, never the report


def limit_bytes() -> int:
    try:
        mb = float(os.environ.get("CROSSBORDER_CACHE_MB", DEFAULT_LIMIT_MB))
    except ValueError:
        mb = DEFAULT_LIMIT_MB
    return int(max(mb, 0) * 1024 * 1024)


def prune(limit: int | None = None) -> int:
    """Delete the least recently used entries until the cache fits ``limit`` bytes; returns bytes freed."""
    limit = limit_bytes() if limit is None else limit
    root = cache_dir()
    if not root.is_dir():
        return 0
    entries = []
    for manifest in root.rglob("*.json"):
        executed = manifest.with_suffix(".ipynb")
        try:
            size = manifest.stat().st_size + (executed.stat().st_size if executed.exists() else 0)
            entries.append((manifest.stat().st_mtime, size, manifest, executed))
        except OSError:
            continue
    total = sum(e[1] for e in entries)
    freed = 0
    for _, size, manifest, executed in sorted(entries, key=lambda e: e[0]):
        if total - freed <= limit:
            break
        for path in (manifest, executed):
            path.unlink(missing_ok=True)
        freed += size
    return freed


def clear() -> None:
    shutil.rmtree(cache_dir(), ignore_errors=True)
