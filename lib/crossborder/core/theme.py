"""The one chart template: fonts, colours and size shared by every figure in the workbook.

Figures are sized to fit an A4 portrait page (about 660 px wide) so that axis titles are never cut in a
PDF, and name the CJK font explicitly so that Chinese renders the same on every machine.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "crossborder"
FONT_FAMILY = "Noto Sans CJK TC, Noto Sans TC, Microsoft JhengHei, PingFang TC, sans-serif"
WIDTH = 660
HEIGHT = 400
# The smallest text a chart may print: 11 px at the 660 px width is about 8 pt on an A4 page and stays readable
# when projected. Every font in a figure (axis ticks, legend, data labels, heat-map cells, annotations) is raised
# to at least this by ``readable`` before the figure is shown, printed or put on a slide.
MIN_FONT = 11
# Colour-blind-safe qualitative palette (Okabe-Ito), first colour the workbook's accent.
COLORWAY = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
# Red / amber / green for status, and the risk-band scale (low -> critical).
RAG = {"green": "#2E8B57", "amber": "#E6A700", "red": "#C0392B", "grey": "#9E9E9E"}
SEQUENTIAL = ["#F7FBFF", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B"]


def _build_template() -> go.layout.Template:
    tpl = go.layout.Template(pio.templates["plotly_white"])
    tpl.layout.update(
        font=dict(family=FONT_FAMILY, size=12, color="#222"),
        title=dict(font=dict(size=15), x=0.0, xanchor="left"),
        colorway=COLORWAY,
        width=WIDTH,
        height=HEIGHT,
        margin=dict(l=60, r=20, t=60, b=50),
        # legends sit outside the plot area (above it), never over the data
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0.0),
        hoverlabel=dict(font_family=FONT_FAMILY),
    )
    return tpl


def register() -> None:
    """Register the workbook template and make it the default for every new figure."""
    if TEMPLATE not in pio.templates:
        pio.templates[TEMPLATE] = _build_template()
    if pio.templates.default != TEMPLATE:  # setting it re-validates the template: only when it changes
        pio.templates.default = TEMPLATE


def figure(title: str, *, height: int = HEIGHT, **layout: object) -> go.Figure:
    """An empty figure on the workbook template, with its title (already in the report's language)."""
    register()
    # The template comes in as plotly's default (set by register); naming it here would make plotly copy and
    # re-validate the whole template for every figure (about 20x slower, felt on every slider move).
    fig = go.Figure()
    fig.update_layout(title={"text": title}, height=height, **layout)  # nested keys: no magic-underscore parsing
    return fig


def _raise_fonts(node: object, inside_font: bool = False) -> bool:
    """Raise every ``size`` under a font-like key (``font``, ``textfont``, ``tickfont``, ``title.font``, ...) to
    ``MIN_FONT``, in place, in plotly JSON (dicts and lists); whether anything changed."""
    changed = False
    if isinstance(node, dict):
        for key, value in node.items():
            if inside_font and key == "size":
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value < MIN_FONT:
                    node[key], changed = MIN_FONT, True
                elif isinstance(value, (list, tuple)) and any(isinstance(v, (int, float)) and v < MIN_FONT for v in value):
                    node[key], changed = [max(v, MIN_FONT) if isinstance(v, (int, float)) else v for v in value], True
            elif isinstance(value, (dict, list)):
                changed |= _raise_fonts(value, key.endswith("font"))
    elif isinstance(node, list):
        for item in node:
            changed |= _raise_fonts(item, inside_font)
    return changed


def readable_json(fig_json: dict) -> dict:
    """Plotly JSON with no font smaller than ``MIN_FONT`` (changed in place; returned for chaining)."""
    _raise_fonts(fig_json)
    return fig_json


def readable(fig: go.Figure) -> go.Figure:
    """The figure with no text smaller than ``MIN_FONT`` (in place): the chart template's minimum font size,
    applied wherever a figure is shown (notebook, report, live panel, slides)."""
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    if _raise_fonts(layout):
        fig.update_layout(layout, overwrite=True)
    for trace in fig.data:
        data = trace.to_plotly_json()
        if _raise_fonts(data):
            trace.update(data, overwrite=True)
    return fig


register()
