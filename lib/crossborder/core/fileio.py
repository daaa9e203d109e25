"""Small file helpers shared by every writer: nothing half-written is ever left in place of a good file."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

# A temporary file of an atomic write older than this was left by a process that was killed (a write takes
# well under a second); the next write of the same file removes it.
STALE_TMP_S = 600
OWNER_FILE = ".crossborder-owner"   # in a private temporary folder: the pid of the process that made it


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, public_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Text variant of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def public_mode() -> int:
    """The mode a normally created file gets (0o666 less the umask); mkstemp alone would give 0o600."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def remove_stale_temps(path: Path, older_than_s: float = STALE_TMP_S) -> list[Path]:
    """Remove ``.<name>.*.tmp`` files beside ``path`` left by a write that was killed (only old ones, so a
    concurrent writer's file is never touched). Returns what was removed."""
    path = Path(path)
    removed = []
    now = time.time()
    for tmp in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        try:
            if tmp.is_file() and not tmp.is_symlink() and now - tmp.lstat().st_mtime > older_than_s:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            pass  # gone already, or not ours to remove
    return removed


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def private_tempdir(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary folder for this process (``prefix`` + random), marked with its pid so that a later run can
    remove it if this process is killed (``remove_orphan_tempdirs``). Removes earlier orphans first."""
    remove_orphan_tempdirs(prefix)
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    Path(folder.name, OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_orphan_tempdirs(prefix: str, older_than_s: float = 86400) -> list[Path]:
    """Remove ``<tmp>/<prefix>*`` folders of ours whose owning process is gone (or, without an owner mark,
    that are older than ``older_than_s`` and untouched since)."""
    removed = []
    now = time.time()
    for folder in Path(tempfile.gettempdir()).glob(f"{glob_escape(prefix)}*"):
        try:
            if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.getuid():
                continue
            owner = folder / OWNER_FILE
            if owner.is_file():
                text = owner.read_text(encoding="ascii").strip()
                orphan = text.isdigit() and not _alive(int(text))
            else:
                orphan = now - folder.stat().st_mtime > older_than_s
            if orphan:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:
            continue
    return removed
