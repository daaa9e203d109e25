"""Assemble one printable HTML document per market and language.

Each executed chapter is filtered for the report (the other language's narrative, the parameters, workshop
exercises and anything tagged ``remove-report`` are dropped; code is hidden; stderr is dropped), plotly
outputs become ``<div>`` + ``Plotly.newPlot`` calls, and nbconvert's ``basic`` template turns the rest into
HTML. plotly.js is embedded once, in the document head, so the PDF needs no network. Charts are JSON
data read by one embedded script; a Content-Security-Policy lets only those two scripts run.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import jinja2
import nbformat
import pandas as pd
from markupsafe import Markup
from nbconvert import HTMLExporter
from plotly.offline import get_plotlyjs

from crossborder.core.i18n import country_name, t
from crossborder.notebook import tags
from crossborder.notebook.chapter import HEADLINE_MIME, PLOTLY_CONFIG

PLOTLY_MIME = "application/vnd.plotly.v1+json"
CSS_FILE = Path(__file__).with_name("report.css")
TEMPLATES = Path(__file__).with_name("templates")
CHARTS_JS = TEMPLATES / "charts.js"


def _keep(cell: nbformat.NotebookNode, lang: str) -> bool:
    return tags.keep(cell, lang=lang, drop=tags.REPORT_DROP)


def csp(scripts: list[str]) -> str:
    """The document's Content-Security-Policy: only the given (embedded) scripts run, by hash; styles are
    inline; images and fonts only from ``data:``; nothing else is loaded (no network, no frames, no files)."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
                      for s in scripts)
    return ("default-src 'none'; " f"script-src {hashes}; " "style-src 'unsafe-inline'; img-src data:; font-src data:; "
            "connect-src 'none'; frame-src 'none'; child-src 'none'; worker-src 'none'; object-src 'none'; "
            "media-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'")


def script_json(value: object) -> Markup:
    """JSON safe inside a <script> element: '</' and '<!--' cannot end or comment out the script."""
    text = json.dumps(value, separators=(",", ":"))
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\u0021--"))


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["script_json"] = script_json
    return env


def _plotly_html(fig: dict, div_id: str) -> str:
    # Data, not code: a JSON block the document's one chart script reads, so the only scripts that run are
    # the ones the Content-Security-Policy names by hash.
    return _env().get_template("chart.html.j2").render(div_id=div_id, figure={
        "data": fig.get("data", []), "layout": fig.get("layout", {}), "config": {**PLOTLY_CONFIG, "staticPlot": True}})


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
                out = nbformat.v4.new_output("display_data", data={"text/html": _env().get_template(
                    "headline.html.j2").render(key_figure=d["key_figure"], text=d["text"])})
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
    """The whole report: cover, executive summary, contents, chapters (``report.html.j2``, autoescaped).

    ``chapters`` holds (anchor, title, headline or None, chapter HTML) in order.
    """
    plotlyjs, charts_js = get_plotlyjs(), CHARTS_JS.read_text(encoding="utf-8")
    return _env().get_template("report.html.j2").render(
        csp=csp([plotlyjs, charts_js]), charts_js=charts_js,
        lang=lang, code=code, as_of=as_of.isoformat(), market=country_name(code, lang), example=example,
        t=lambda key, **kw: t(f"report.{key}", lang, **kw), css=CSS_FILE.read_text(encoding="utf-8"),
        plotlyjs=plotlyjs, facts_table=_table(facts),
        chapters=[{"anchor": a, "title": title, "headline": h, "body": body} for a, title, h, body in chapters])
