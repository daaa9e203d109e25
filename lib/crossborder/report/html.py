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

from crossborder.core import facts, registry, theme
from crossborder.core.fmt import money, percent
from crossborder.core.i18n import country_name, t
from crossborder.notebook import tags
from crossborder.notebook.chapter import HEADLINE_MIME, PLOTLY_CONFIG
from crossborder.scenario import Change, Scenario

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


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _axis_dates(values: object) -> list[str]:
    if not isinstance(values, (list, tuple)) or not values:
        return []
    dates = [v for v in values if isinstance(v, str) and _ISO_DATE.match(v)]
    return dates if len(dates) == len([v for v in values if v is not None]) else []


def numeric_date_axes(fig: dict, lang: str) -> dict:
    """Date axes in a zh-TW report show numeric dates (2026-01, or 01-15 within a few months), never the
    English month names plotly prints by default; in place, returned for chaining. An axis with its own
    ``tickformat`` is left as it is."""
    if lang == "en":
        return fig
    layout = fig.setdefault("layout", {})
    for trace in fig.get("data", []):
        for letter in ("x", "y"):
            dates = sorted(_axis_dates(trace.get(letter)))
            if not dates:
                continue
            ref = trace.get(f"{letter}axis", letter)
            axis = layout.setdefault(f"{letter}axis{ref[1:]}", {})
            if "tickformat" in axis:
                continue
            span = (date.fromisoformat(dates[-1][:10]) - date.fromisoformat(dates[0][:10])).days
            axis["tickformat"] = "%Y-%m" if span > 120 else "%m-%d"
    return fig


def _plotly_html(fig: dict, div_id: str, lang: str = "en") -> str:
    # Data, not code: a JSON block the document's one chart script reads, so the only scripts that run are
    # the ones the Content-Security-Policy names by hash.
    fig = theme.readable_json(copy.deepcopy(dict(fig)))  # the template's minimum font, whatever made the figure
    numeric_date_axes(fig, lang)
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
                out = nbformat.v4.new_output("display_data", data={"text/html": _plotly_html(data[PLOTLY_MIME], f"{prefix}-fig{n}", lang)})
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
    """The chapter's body (the report template wraps it in its section, after any note on the user's changes)."""
    body, _ = _exporter().from_notebook_node(report_notebook(nb, lang, anchor))
    return body


def _table(df: pd.DataFrame, extra: str = "") -> str:
    return df.to_html(index=False, border=0, classes=f"cb-table {extra}".strip(), escape=True)


def document(*, code: str, lang: str, as_of: date, facts: pd.DataFrame, example: bool,
             chapters: list[tuple[str, str, dict | None, str]], changes: list[Change] | None = None,
             facts_used: pd.DataFrame | None = None, pages: dict[str, int] | None = None,
             decision: dict | None = None) -> str:
    """The whole report: cover, executive summary, contents, chapters, the facts used (``report.html.j2``,
    autoescaped).

    ``chapters`` holds (anchor, title, headline or None, chapter HTML) in order; ``changes`` the user's overlay
    (listed on the cover and at the top of each chapter whose section it changes); ``pages`` the page of each
    chapter title from a first printing, for the contents; ``decision`` the business case's answer for the
    market, which opens the executive summary.
    """
    changes = changes or []
    by_section: dict[str, list[Change]] = {}
    for c in changes:
        by_section.setdefault(c.section, []).append(c)
    rows = []
    for a, title, h, body in chapters:
        chapter_id = a.removeprefix("ch-")
        section = next((c.section for c in registry.chapters() if c.id == chapter_id), None)
        mine = by_section.get(section or "", []) + by_section.get("exporter", []) + by_section.get("market", [])
        rows.append({"anchor": a, "title": title, "headline": h, "body": body, "page": (pages or {}).get(title),
                     "changes": [(c.key, _value(c.shipped), _value(c.used)) for c in mine]})
    plotlyjs, charts_js = get_plotlyjs(), CHARTS_JS.read_text(encoding="utf-8")
    return _env().get_template("report.html.j2").render(
        csp=csp([plotlyjs, charts_js]), charts_js=charts_js,
        lang=lang, code=code, as_of=as_of.isoformat(), market=country_name(code, lang), example=example,
        t=lambda key, **kw: t(f"report.{key}", lang, **kw), css=CSS_FILE.read_text(encoding="utf-8"),
        plotlyjs=plotlyjs, facts_table=_table(facts), chapters=rows,
        changes=[(c.key, _value(c.shipped), _value(c.used)) for c in changes],
        facts_used=_table(facts_used, "cb-facts") if facts_used is not None and len(facts_used) else None,
        facts_page=(pages or {}).get(t("report.facts_used", lang)), decision=_decision_view(decision, lang))


def _decision_view(d: dict | None, lang: str) -> dict | None:
    """The decision box's figures, formatted in the report's language (money in the home currency)."""
    if not d:
        return None
    cur = d.get("currency", "TWD")
    f = d.get("formatted", {})
    payback = d.get("payback_month")
    return {
        "decision": d.get("decision"), "text": d.get("decision_text", ""),
        "npv": f.get("npv_p50", money(d.get("npv_p50"), cur, lang)),
        "npv_range": f"{f.get('npv_p10', money(d.get('npv_p10'), cur, lang))} – {f.get('npv_p90', money(d.get('npv_p90'), cur, lang))}",
        "p_npv": f.get("p_npv_pos", percent(d.get("p_npv_pos"), lang, 0)),
        "peak": f.get("peak_cash", money(d.get("peak_cash"), cur, lang)),
        "budget": money(d.get("launch_budget"), cur, lang),
        "payback": t("report.payback_month", lang, n=payback) if payback else t("report.payback_none", lang),
        "actions": [(a.get("action", ""), a.get("owner", ""), str(a.get("due", ""))) for a in d.get("actions", [])[:3]],
    }


def _value(value: object) -> str:
    """A scenario value as the cover lists it (a missing shipped value is a dash)."""
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def facts_used(scn: Scenario, as_of: date, lang: str) -> pd.DataFrame:
    """The legal and market facts in force on the report date, from the fact store, as the report's appendix."""
    currencies = list(dict.fromkeys([scn.exporter.home_currency, scn.market.currency]))
    rows = facts.listing(scn.code, as_of, lang, stale_after_days=scn.facts.stale_after_days, currencies=currencies)
    yes, no = t("report.answer_yes", lang), t("report.answer_no", lang)
    return pd.DataFrame({
        t("report.col_fact", lang): [f"{r.subject}: {r.name}" for r in rows],
        t("report.col_value", lang): [percent(r.value, lang, 2) for r in rows],
        t("report.col_source", lang): [r.source for r in rows],
        t("report.col_as_of", lang): [r.as_of.isoformat() if r.source != "—" else "–" for r in rows],
        t("report.col_stale", lang): [yes if r.stale else no for r in rows],
    })


def chapter_pages(pdf: bytes, titles: list[str]) -> dict[str, int]:
    """The page (1-based) each chapter title starts on, from the printed PDF's bookmark outline (the printer
    builds it from the headings). Titles not found are left out."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, int] = {}
    # The printer drops the line breaks inside a heading: compare titles without white space.
    wanted = {"".join(title.split()): title for title in titles}

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            title = wanted.get("".join(str(getattr(item, "title", "")).split()))
            page = reader.get_destination_page_number(item) if title is not None and title not in found else None
            if title is not None and page is not None:
                found[title] = page + 1

    walk(reader.outline)
    return found
