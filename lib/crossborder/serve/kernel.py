"""What a workshop kernel runs before ipykernel: ``python -m crossborder.serve.kernel -f <connection file>``.

- ``RLIMIT_AS`` of ``$CROSSBORDER_KERNEL_MEMORY_MB`` (soft and hard: the kernel cannot raise it again): a
  runaway kernel gets ``MemoryError`` instead of taking the laptop down;
- the kernel dies with the Voilà server that started it (``PR_SET_PDEATHSIG``), so a killed server leaves none;
- the access token is removed from its environment;
- with ``$CROSSBORDER_APP_SESSIONS`` set (``--allow-save``), its user folder is a fresh copy of the run's
  folder under ``sessions/<kernel>``: one participant's save never changes another's app or the owner's files.
"""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import sys
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1


def limit_memory(megabytes: int) -> None:
    if megabytes > 0:
        limit = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the server died between fork and prctl
        sys.exit(0)


def session_home(argv: list[str]) -> Path | None:
    """A copy of the run's user folder for this kernel, named after its connection file."""
    sessions = os.environ.get("CROSSBORDER_APP_SESSIONS")
    home = os.environ.get("CROSSBORDER_HOME")
    if not sessions or not home:
        return None
    conn = argv[argv.index("-f") + 1] if "-f" in argv[:-1] else "kernel"
    name = time.strftime("%H%M%S-") + Path(conn).stem.removeprefix("kernel-")[:8]
    target = Path(sessions) / name
    shutil.copytree(home, target, dirs_exist_ok=True)
    return target


def main(argv: list[str]) -> None:
    os.environ.pop("JUPYTER_TOKEN", None)
    os.environ.pop("JUPYTER_TOKEN_FILE", None)
    limit_memory(int(os.environ.get("CROSSBORDER_KERNEL_MEMORY_MB", "0") or 0))
    die_with_parent()
    home = session_home(argv)
    if home is not None:
        os.environ["CROSSBORDER_HOME"] = str(home)
    from ipykernel import kernelapp

    sys.argv = [sys.argv[0], *argv]
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
