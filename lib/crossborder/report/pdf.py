"""Print an HTML file to PDF with Debian's Chromium, headless and offline.

The PDF is printed to a temporary file beside the target and moved into place only when Chromium exits
cleanly and the file is a complete PDF, so a crash never leaves a half-written report in place of a good one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import InputError
from ..fileio import public_mode

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Flags verified on the offline machine (see README, "How reports are made").
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw", "--virtual-time-budget=15000",
)
PRINT_TIMEOUT_S = 180


class PrintError(RuntimeError):
    """Chromium failed to print a report."""


def chromium() -> str:
    """Path of the Chromium binary, or an error naming what to install."""
    env = os.environ.get("CROSSBORDER_CHROMIUM")
    if env:
        return env
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise InputError("chromium: not found on PATH; install Debian's 'chromium' package (make setup does) "
                     "or set CROSSBORDER_CHROMIUM to a Chromium/Chrome binary")


def print_pdf(html_file: Path, pdf_file: Path) -> Path:
    """Print ``html_file`` to ``pdf_file`` atomically; returns the PDF's path."""
    binary = chromium()
    pdf_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{pdf_file.stem}.", suffix=".pdf.part", dir=pdf_file.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with tempfile.TemporaryDirectory(prefix="crossborder-chromium-") as profile:
            cmd = [binary, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html_file.resolve().as_uri()]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S)
        data = tmp.read_bytes() if tmp.exists() else b""
        if proc.returncode != 0 or not data.startswith(b"%PDF") or b"%%EOF" not in data[-2048:]:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise PrintError(f"Chromium could not print {html_file.name} (exit {proc.returncode}): {' | '.join(tail)}")
        os.chmod(tmp, public_mode())
        os.replace(tmp, pdf_file)
        return pdf_file
    except subprocess.TimeoutExpired:
        raise PrintError(f"Chromium did not finish printing {html_file.name} within {PRINT_TIMEOUT_S} s") from None
    finally:
        tmp.unlink(missing_ok=True)
