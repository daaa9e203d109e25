"""Assemble one printable HTML document per market and language.

Each executed chapter is filtered for the report (the other language's narrative, the parameters, workshop
exercises and anything tagged ``remove-report`` are dropped; code is hidden; stderr is dropped), plotly
outputs become ``<div>`` + ``Plotly.newPlot`` calls, and nbconvert's ``basic`` template turns the rest into
HTML. plotly.js is embedded once, in the document head, so the PDF needs no network.
"""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import nbformat
import pandas as pd
from nbconvert import HTMLExporter
from plotly.offline import get_plotlyjs

from crossborder.notebook.chapter import HEADLINE_MIME, PLOTLY_CONFIG
from crossborder.core.i18n import LANGS, country_name, t

PLOTLY_MIME = "application/vnd.plotly.v1+json"
CSS_FILE = Path(__file__).with_name("report.css")
# Cells with these tags never reach a report.
DROP_TAGS = {"parameters", "injected-parameters", "remove-report", "exercise", "solution"}


def _keep(cell: nbformat.NotebookNode, lang: str) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    if tags & DROP_TAGS:
        return False
    other = {f"lang-{other}" for other in LANGS if other != lang}
    return not (tags & other)


def _plotly_html(fig: dict, div_id: str) -> str:
    data = json.dumps(fig.get("data", []), separators=(",", ":"))
    layout = json.dumps(fig.get("layout", {}), separators=(",", ":"))
    config = json.dumps({**PLOTLY_CONFIG, "staticPlot": True})
    return (f'<div class="cb-chart" id="{div_id}"></div>'
            f'<script>Plotly.newPlot("{div_id}",{data},{layout},{config});</script>')


def report_notebook(nb: nbformat.NotebookNode, lang: str, prefix: str) -> nbformat.NotebookNode:
    """A copy of an executed chapter with only what the report shows, charts turned into HTML."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if _keep(c, lang)]
    n = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.get("name") == "stderr":
                continue
            data = out.get("data", {})
            if PLOTLY_MIME in data:
                n += 1
                out = nbformat.v4.new_output("display_data", data={"text/html": _plotly_html(data[PLOTLY_MIME], f"{prefix}-fig{n}")})
            elif HEADLINE_MIME in data:
                d = data[HEADLINE_MIME]
                out = nbformat.v4.new_output("display_data", data={"text/html": (
                    f"<div class='cb-headline'><span class='cb-key'>{html.escape(d['key_figure'])}</span> "
                    f"{html.escape(d['text'])}</div>")})
            outputs.append(out)
        cell.outputs = outputs
    return nb


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.anchor_link_text = ""  # no pilcrows after headings in print
    return exporter


def chapter_title(nb: nbformat.NotebookNode, lang: str, fallback: str) -> str:
    """The chapter's first level-1 heading in the report's language."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and _keep(cell, lang):
            m = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if m:
                return m.group(1).strip()
    return fallback


def chapter_html(nb: nbformat.NotebookNode, lang: str, anchor: str) -> str:
    body, _ = _exporter().from_notebook_node(report_notebook(nb, lang, anchor))
    return f'<section class="chapter" id="{anchor}">{body}</section>'


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, border=0, classes="cb-table", escape=True)


def document(*, code: str, lang: str, as_of: date, facts: pd.DataFrame, example: bool,
             chapters: list[tuple[str, str, dict | None, str]]) -> str:
    """The whole report: cover, executive summary, contents, chapters.

    ``chapters`` holds (anchor, title, headline or None, chapter HTML) in order.
    """
    market = country_name(code, lang)
    tr = lambda key, **kw: html.escape(t(f"report.{key}", lang, **kw))  # noqa: E731
    summary_rows = "".join(
        f"<tr><td><a href='#{a}'>{html.escape(title)}</a></td>"
        f"<td class='cb-key'>{html.escape(h['key_figure']) if h else '–'}</td>"
        f"<td>{html.escape(h['text']) if h else tr('no_headline')}</td></tr>"
        for a, title, h, _ in chapters
    )
    toc = "".join(f"<li><a href='#{a}'>{html.escape(title)}</a></li>" for a, title, _, _ in chapters)
    body = "".join(c for *_, c in chapters)
    label = f"<p class='cb-example'>{tr('example_label')}</p>" if example else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{tr('title', market=market)}</title>
<style>{CSS_FILE.read_text(encoding='utf-8')}</style>
<script>{get_plotlyjs()}</script>
</head><body>
<section class="cover">
  <p class="cb-kicker">{tr('kicker')}</p>
  <h1>{tr('title', market=html.escape(market))}</h1>
  <p class="cb-meta">{tr('meta', code=code, language=lang, as_of=as_of.isoformat())}</p>
  {label}
  <h2>{tr('assumptions')}</h2>
  {_table(facts)}
</section>
<section class="summary">
  <h1>{tr('summary')}</h1>
  <table class="cb-table cb-summary"><thead><tr><th>{tr('col_chapter')}</th><th>{tr('col_key')}</th><th>{tr('col_headline')}</th></tr></thead>
  <tbody>{summary_rows}</tbody></table>
</section>
<section class="toc">
  <h1>{tr('contents')}</h1>
  <ol>{toc}</ol>
</section>
{body}
</body></html>"""
