"""Where the workbook's files live. The one module that knows the project's layout.

Shipped data (``data/``) is never rewritten by the program. What users change (saved scenarios, the plan
tracker's database) lives in the user folder: ``$CROSSBORDER_HOME`` if set, else ``data/local/``.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = PROJ_ROOT / "data"
SCENARIO_DIR = DATA_DIR / "scenarios"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
REPORTS_DIR = PROJ_ROOT / "reports"


def user_home() -> Path:
    """The user folder, layered over the shipped examples (created on first use by writers, not here)."""
    env = os.environ.get("CROSSBORDER_HOME")
    return Path(env).expanduser().resolve() if env else DATA_DIR / "local"


def user_scenario_dir() -> Path:
    """Saved scenario overlays: ``<user folder>/scenarios/<CODE>.yaml``."""
    return user_home() / "scenarios"


def notebooks_dir() -> Path:
    """The chapter notebooks a report runs: ``$CROSSBORDER_NOTEBOOKS`` if set (tests), else ``notebooks/``."""
    env = os.environ.get("CROSSBORDER_NOTEBOOKS")
    return Path(env).expanduser().resolve() if env else NOTEBOOKS_DIR


def reports_dir() -> Path:
    """Where rendered reports land: ``$CROSSBORDER_REPORTS`` if set, else ``reports/``."""
    env = os.environ.get("CROSSBORDER_REPORTS")
    return Path(env).expanduser().resolve() if env else REPORTS_DIR


def relative(path: Path) -> str:
    """A path as the user should read it in a message: relative to the project when inside it."""
    try:
        return str(Path(path).resolve().relative_to(PROJ_ROOT))
    except ValueError:
        return str(path)
