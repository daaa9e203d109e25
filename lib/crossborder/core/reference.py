"""Reference data that more than one chapter reads: its one home.

- Channel ids: the rows of ``data/platforms.csv`` (the platform chapter models their costs; the funnel chapter
  attributes leads and orders to them). This reads only the id column; the platform chapter validates the rest.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, relative

CHANNELS_FILE = DATA_DIR / "platforms.csv"


@lru_cache(maxsize=4)
def channel_ids(path: Path = CHANNELS_FILE) -> tuple[str, ...]:
    """The channel ids in ``data/platforms.csv``, in file order."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    except OSError as exc:
        raise InputError(f"{relative(path)}: cannot read the channel list ({exc.strerror})") from None
    if not rows or "channel" not in rows[0]:
        raise InputError(f"{relative(path)}: expected a header with a 'channel' column, found {rows[0] if rows else 'nothing'!r}")
    i = rows[0].index("channel")
    return tuple(r[i] for r in rows[1:] if len(r) > i and r[i])
