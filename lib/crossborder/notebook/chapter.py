"""What a chapter notebook calls to set itself up and to publish: figures, tables, its headline.

``setup(lang)`` checks the language and selects the workbook's chart template and renderer. ``show``
displays a figure, table or text. ``headline`` publishes the chapter's one-line conclusion and key figure
in a machine-readable output (``HEADLINE_MIME``) that the report collects for its executive summary, with a
Markdown fallback that JupyterLab and the report's chapter show as a call-out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from IPython.display import HTML, Markdown, display

from crossborder.core import theme
from crossborder.core.errors import InputError
from crossborder.core.facts import check_date
from crossborder.core.i18n import check_lang
from crossborder.core.text import brief_repr, escape_html, escape_md, neutralize_md

HEADLINE_MIME = "application/vnd.crossborder.headline+json"
# The business case's decision for the market, which the report puts first on its executive summary.
DECISION_MIME = "application/vnd.crossborder.decision+json"
# A table's values as data, beside its HTML: the report ignores it, ``crossborder export`` writes it to Excel.
TABLE_MIME = "application/vnd.crossborder.table+json"
# The mimetype renderer: JupyterLab's plotly extension draws it natively; the report builder turns it
# into one <div> per chart and embeds plotly.js once per PDF (see report/html.py).
RENDERER = "plotly_mimetype"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": False}


def setup(lang: str) -> str:
    """Call once at the top of a notebook, after the parameters: checks ``lang`` and sets up charts."""
    check_lang(lang)
    theme.register()
    pio.renderers.default = RENDERER
    pd.set_option("display.max_rows", 200)
    return lang


def show(value: Any) -> None:
    """Display a figure, a DataFrame (as a plain table) or Markdown text.

    Text is the workbook's own Markdown with values filled in; values typed by users must pass through
    ``crossborder.core.text.escape_md`` where they are filled in. As a second line of defence any raw HTML or
    image in the Markdown is shown as text (the workbook's Markdown never contains either), and table cells
    are always HTML-escaped."""
    if isinstance(value, go.Figure):
        theme.readable(value).show(config=PLOTLY_CONFIG)  # no text below the template's minimum font size
    elif isinstance(value, pd.DataFrame):
        plain_index = isinstance(value.index, pd.RangeIndex)  # a 0..n-1 index means nothing to a reader
        html = value.to_html(classes="cb-table", border=0, na_rep="–", index=not plain_index, escape=True,
                             render_links=False)
        display({"text/html": html, TABLE_MIME: table_data(value, index=not plain_index)}, raw=True)
    elif isinstance(value, str):
        display(Markdown(neutralize_md(value)))
    else:
        display(value)


def _cell(value: Any) -> Any:
    """One cell as JSON: a formatted figure as {value, kind, currency, digits, text}, numbers as numbers."""
    import math

    from crossborder.core.fmt import Figure

    if isinstance(value, Figure):
        return {"value": value.value, "kind": value.kind, "currency": value.currency, "digits": value.digits,
                "text": str(value)}
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, str):
        try:
            value = value.item()
        except (ValueError, TypeError):
            return str(value)
        return _cell(value)
    if isinstance(value, (int, float, str)):
        return value
    if isinstance(value, (date, pd.Timestamp)):
        if isinstance(value, pd.Timestamp) and pd.isna(value):
            return None
        return {"date": value.isoformat()[:10] if not isinstance(value, pd.Timestamp) else value.date().isoformat()}
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def table_data(frame: pd.DataFrame, index: bool = True) -> dict[str, Any]:
    """A shown table's values for ``TABLE_MIME``: header rows and data rows of JSON cells."""
    flat = frame.reset_index() if index else frame
    columns = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in flat.columns]
    rows = [[_cell(v) for v in row] for row in flat.itertuples(index=False, name=None)]
    return {"columns": columns, "rows": rows}


def headline(text: str, key_figure: str, *, value: float | None = None, unit: str | None = None,
             points: list[str] | None = None) -> None:
    """Publish the chapter's headline: one sentence and its key figure, in the report's language.

    ``value``/``unit`` carry the key figure as a number for machines (the summary shows ``key_figure``, already
    formatted); ``points`` are two or three talking points with the market's numbers, for the workshop slide
    deck. Which chapter published it is known to whoever reads the executed notebook (the report runner names
    it from the chapter registry), so a notebook never spells its own id.
    """
    data = {"text": text, "key_figure": key_figure, "value": value, "unit": unit, "points": list(points or [])}
    markdown = f"> **{escape_md(key_figure)}** · {escape_md(text)}"
    display({HEADLINE_MIME: data, "text/markdown": markdown, "text/plain": f"{key_figure} · {text}"}, raw=True)


def decision(data: dict[str, Any]) -> None:
    """Publish the market's decision (go / iterate / stop and the figures behind it) for the report's page one.

    Shown in JupyterLab as one line; the report reads the data (JSON-safe: dates become ISO strings)."""
    import json

    safe = json.loads(json.dumps(data, default=str))
    line = f"**{safe.get('decision_text', '')}** · {safe.get('formatted', {}).get('npv_p50', '')}"
    display({DECISION_MIME: safe, "text/markdown": line, "text/plain": line}, raw=True)


def callout(text: str) -> None:
    """A highlighted note (e.g. 'illustrative figures') in the chapter's language."""
    display(HTML(f"<div class='cb-callout'>{escape_html(text)}</div>"))


def report_date(as_of: str) -> date:
    """The report's as-of date from the ``as_of`` parameter (``YYYY-MM-DD``; empty means today)."""
    if not as_of:
        return date.today()
    try:
        on = date.fromisoformat(as_of)
    except (TypeError, ValueError):
        raise InputError(f"as_of: expected a date YYYY-MM-DD (or empty for today), found {brief_repr(as_of)}") from None
    return check_date(on, "as_of")
