"""Where the workbook's files live. The one module that knows the project's layout.

Shipped data (``data/``) is never rewritten by the program. What users change (saved scenarios, the plan
tracker's database) lives in the user folder: ``$CROSSBORDER_HOME`` if set, else ``data/local/``.

Data files, one convention: a file ``<user folder>/data/<name>`` replaces the shipped ``data/<name>`` whole
(``name`` relative to ``data/``, e.g. ``compliance.csv`` or ``facts/markets/FR.yaml``); ``data_file(name)``
says which one is in use, and every loader asks it when it reads (never at import: the user folder can
change). ``crossborder market new`` writes its copies there. The places earlier versions read are still read,
after ``<user folder>/data/``: ``<user folder>/risks.csv``, ``<user folder>/invoices.csv``,
``<user folder>/funnel/<name>.csv`` and ``<user folder>/facts/...``.
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


# Earlier locations of a user's own data file, relative to the user folder, read after ``data/<name>``.
_LEGACY: dict[str, str] = {
    "risks.csv": "risks.csv",
    "invoices.csv": "invoices.csv",
    **{f"{n}.csv": f"funnel/{n}.csv" for n in ("funnel", "leads", "customers", "orders", "kpis")},
}


def user_data_dir() -> Path:
    """The user's own data files, mirroring ``data/``: ``<user folder>/data/``."""
    return user_home() / "data"


def data_file(name: str) -> Path:
    """The data file ``name`` (relative to ``data/``) in use: the user's copy ``<user folder>/data/<name>`` when
    it exists (or one at an earlier location, see the module docstring), else for a CSV the user's Excel
    workbook ``<user folder>/data/<stem>.xlsx`` (read like the CSV by ``crossborder.core.tables.read_table``),
    else the shipped ``data/<name>``.

    Resolved at each call: the user folder (``$CROSSBORDER_HOME``) may change while the program runs."""
    name = Path(name).as_posix()
    home = user_home()
    candidates = [home / "data" / name]
    if name in _LEGACY:
        candidates.append(home / _LEGACY[name])
    elif name.startswith("facts/"):
        candidates.append(home / name)
    if name.endswith(".csv"):
        candidates.append(home / "data" / (name[: -len(".csv")] + ".xlsx"))
    return next((p for p in candidates if p.is_file()), DATA_DIR / name)


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
