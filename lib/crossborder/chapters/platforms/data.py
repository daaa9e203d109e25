"""The channel data, ``data/platforms.csv``: one row per channel, read and checked row by row.

The ids alone (for another chapter) are ``crossborder.core.reference.channel_ids()``; this is the full,
validated table the platform chapter models.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.paths import relative
from crossborder.core.reference import CHANNELS_FILE
from crossborder.core.tables import Column, read_table

CURRENCY = "USD"
KINDS = ("general", "vertical", "own", "social")
FOCUSES = ("all", "industrial", "chemicals", "agrifood", "software")

# --------------------------------------------------------------------------------------------- data

_MONEY = Column("float", min=0)
_SHARE = Column("float", min=0, max=1)
_FLAG = Column("bool")
COLUMNS: dict[str, Column] = {
    "channel": Column(unique=True),
    "name_en": Column(),
    "name_zh_TW": Column(),
    "kind": Column("choice", choices=KINDS),
    "focus": Column("choice", choices=FOCUSES),
    "website": Column(required=False),
    "setup": _MONEY,
    "membership_per_year": _MONEY,
    "ads_per_month": _MONEY,
    "commission": Column("float", min=0, max=0.5),
    "other_per_year": _MONEY,
    "inquiries_per_month": Column("float", min=0),
    "spam_share": _SHARE,
    "qualified_share": _SHARE,
    "conversion": _SHARE,
    "conversion_low": _SHARE,
    "conversion_high": _SHARE,
    "order_value": Column("float", min=0),
    "order_value_low": Column("float", min=0),
    "order_value_high": Column("float", min=0),
    "orders_per_year": Column("float", min=0, max=365),
    "months_to_first_order": Column("int", min=0, max=36),
    "ramp_months": Column("float", min=0, max=36),
    "buyer_fit": Column("float", min=0, max=5),
    "fraud_protection": Column("int", min=0, max=2),
    "tool_quote": _FLAG,
    "tool_insight": _FLAG,
    "tool_api": _FLAG,
    "saturation": Column("float", min=0.05, max=10),
    "spend_min": _MONEY,
    "spend_max": _MONEY,
    "source": Column(),
    "note": Column(required=False),
}
_ID = r"[a-z][a-z0-9_]*"


def load_channels(path: Path = CHANNELS_FILE) -> pd.DataFrame:
    """Read ``data/platforms.csv`` (one row per channel, index ``channel``) and check it row by row.

    Besides each column's own range, a row must have low <= point <= high for conversion and order value,
    spend_min <= spend_max, and a snake_case channel id (the funnel chapter joins on it).
    """
    table = read_table(path, COLUMNS, key="channel")
    where = relative(Path(path))

    def fail(i: int, cols: str, expected: str, found: str) -> InputError:
        return InputError(f"{where}: line {i + 2} (channel {table.at[i, 'channel']!r}), {cols}: expected {expected}, found {found}")

    bad_id = ~table["channel"].str.fullmatch(_ID)
    if bad_id.any():
        i = int(bad_id.idxmax())
        raise fail(i, "column 'channel'", "a snake_case id such as own_site_seo", repr(table.at[i, "channel"]))
    for name in ("conversion", "order_value"):
        low, mid, high = (table[f"{name}_low"], table[name], table[f"{name}_high"])
        bad = (low > mid) | (mid > high)
        if bad.any():
            i = int(bad.idxmax())
            raise fail(i, f"columns '{name}_low', '{name}', '{name}_high'", "low <= value <= high",
                       f"{low[i]:g}, {mid[i]:g}, {high[i]:g}")
    bad = table["spend_min"] > table["spend_max"]
    if bad.any():
        i = int(bad.idxmax())
        raise fail(i, "columns 'spend_min', 'spend_max'", "spend_min <= spend_max",
                   f"{table.at[i, 'spend_min']:g} > {table.at[i, 'spend_max']:g}")
    return table.set_index("channel")
