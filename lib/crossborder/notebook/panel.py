"""The interactive pattern every chapter uses.

Under papermill (``interactive=False``) a chapter shows static figures for its parameters. In JupyterLab a
``ControlPanel`` shows ipywidgets controls above live figures: each change recomputes the model and updates
the figures *in place* (traces and layout patched inside one ``batch_update``, so there is no flicker and no
new output cell), and a "save scenario" button writes the current values into the user's scenario overlay,
validated and atomically.

A chapter provides a ``render(**values) -> {name: Figure | DataFrame | str}`` function built from ``lib``
and a dict of controls whose names are render's keyword arguments. Tests drive ``panel.controls`` in code
and read ``panel.figures``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from IPython.display import display
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from crossborder.core import theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import t
from crossborder.notebook.chapter import show

Rendered = Mapping[str, Any]


def update_in_place(target: go.FigureWidget, new: go.Figure) -> None:
    """Make ``target`` show ``new`` without replacing the widget (no flicker, view state kept).

    Only the properties that differ are sent (a removed property is unset): plotly re-validates whatever it
    is given, so patching whole traces and the layout, template included, costs ~10 ms a figure even when
    only the data moved.
    """
    same_shape = len(target.data) == len(new.data) and all(
        a.type == b.type for a, b in zip(target.data, new.data)
    )
    if not same_shape:
        target.data = ()
        target.add_traces(new.data)
    layout = _changes(target.layout.to_plotly_json(), new.layout.to_plotly_json())
    with target.batch_update():
        if same_shape:
            for old_trace, new_trace in zip(target.data, new.data):
                patch = _changes(old_trace.to_plotly_json(), new_trace.to_plotly_json())
                if patch:
                    old_trace.update(patch, overwrite=True)
        if layout:
            target.update_layout(layout, overwrite=True)


def _same(a: Any, b: Any) -> bool:
    """Deep equality of plotly JSON values (dicts, lists, numpy arrays, scalars)."""
    if a is b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        try:
            return bool(np.array_equal(a, b, equal_nan=True))
        except TypeError:  # object arrays (None, strings): no NaN test
            return bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return False
        try:
            if list(a) == list(b):  # labels and scalars: one C-level comparison
                return True
        except (TypeError, ValueError):  # arrays inside: compare item by item
            pass
        return all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _changes(old: dict, new: dict) -> dict:
    """Top-level properties of ``new`` that differ from ``old``; those ``new`` lacks become None (unset)."""
    out = {k: v for k, v in new.items() if k not in old or not _same(old[k], v)}
    out.update({k: None for k in old if k not in new})
    return out


def _as_html(value: Any) -> str:
    """A table or text output of ``render`` as HTML for a live pane (a Markdown string becomes HTML)."""
    if isinstance(value, pd.DataFrame):
        return value.to_html(classes="cb-table", border=0, na_rep="–", index=not isinstance(value.index, pd.RangeIndex))
    if hasattr(value, "to_html"):  # a pandas Styler or anything else that renders itself
        return value.to_html()
    return markdown2html_mistune(str(value))


_BATCH_RUNNERS = ("papermill", "nbconvert", "nbclient")


def _parent_command() -> str:
    """The command line of the process that started this kernel ('' when it cannot be read)."""
    try:
        import psutil

        return " ".join(psutil.Process(os.getppid()).cmdline())
    except Exception:  # no psutil, no permission, a parent that has gone: unknown
        try:
            return Path(f"/proc/{os.getppid()}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            return ""


def live_frontend() -> bool:
    """Whether widgets shown now will reach a live frontend that can draw them and send slider moves back.

    ``CROSSBORDER_INTERACTIVE=0/1`` decides when set. A kernel that a Jupyter server started for a notebook
    (JupyterLab, Notebook 7: ``JPY_SESSION_NAME``) or that Voilà started (``VOILA_*``, ``SERVER_SOFTWARE=voila``)
    has one. A kernel run by papermill, ``jupyter nbconvert --execute`` or nbclient has none: widgets would only
    add megabytes of saved widget state and hide the charts, so the static figures are shown instead. Anything
    else (VS Code, an IPython console) counts as live.
    """
    forced = os.environ.get("CROSSBORDER_INTERACTIVE", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if os.environ.get("JPY_SESSION_NAME") or any(k.startswith("VOILA_") for k in os.environ) \
            or os.environ.get("SERVER_SOFTWARE", "").startswith("voila"):
        return True
    parent = _parent_command().lower()
    return not any(name in parent for name in _BATCH_RUNNERS)


class ControlPanel:
    """Controls plus live outputs. ``display(interactive)`` is the one call a notebook makes."""

    def __init__(
        self,
        controls: Mapping[str, widgets.ValueWidget],
        render: Callable[..., Rendered],
        *,
        lang: str,
        save: Callable[[dict[str, Any]], Path] | None = None,
        columns: int = 2,
    ) -> None:
        self.controls = dict(controls)
        self.render = render
        self.lang = lang
        # the workshop server (``crossborder workshop serve``) turns saving off unless the consultant allows it
        self._save = save if os.environ.get("CROSSBORDER_APP_SAVE", "1") != "0" else None
        self.status = widgets.HTML()
        self.last_error: str | None = None
        self._columns = columns
        self._static = render(**self.values)
        self._live: tuple[dict[str, go.FigureWidget], dict[str, widgets.HTML]] | None = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def _outputs(self) -> tuple[dict[str, go.FigureWidget], dict[str, widgets.HTML]]:
        # Live widgets are built on first use only: a report never needs them (and a FigureWidget
        # carries plotly.js in its widget state, megabytes in an executed notebook).
        if self._live is None:
            figures, panes = {}, {}
            for name, value in self._static.items():
                if isinstance(value, go.Figure):
                    figures[name] = go.FigureWidget(theme.readable(value))
                else:
                    panes[name] = widgets.HTML(_as_html(value))
            self._live = (figures, panes)
        return self._live

    @property
    def figures(self) -> dict[str, go.FigureWidget]:
        """The live figures, updated in place by every control change."""
        return self._outputs()[0]

    @property
    def panes(self) -> dict[str, widgets.HTML]:
        """Live tables and texts."""
        return self._outputs()[1]

    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values, keyed as ``render`` expects them."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change: dict) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute from the current control values and patch every output in place."""
        try:
            result = self.render(**self.values)
        except InputError as exc:  # a combination of controls the model rejects: say why, keep old charts
            self.last_error = str(exc)
            self.status.value = f"<span class='cb-error'>{html.escape(str(exc))}</span>"
            return
        self.last_error = None
        self.status.value = ""
        previous, self._static = self._static, dict(result)
        if self._live is None:
            return
        for name, value in result.items():
            if value is previous.get(name):  # render returned the very same object (cached): nothing to patch
                continue
            if name in self.figures:
                update_in_place(self.figures[name], theme.readable(value))
            elif name in self.panes:
                self.panes[name].value = _as_html(value)

    def save(self, _button: object = None) -> Path | None:
        """Write the current values into the user's scenario overlay (validated, atomic)."""
        if self._save is None:
            return None
        try:
            path = self._save(self.values)
        except InputError as exc:
            self.status.value = f"<span class='cb-error'>{html.escape(str(exc))}</span>"
            return None
        self.status.value = html.escape(t("common.saved_to", self.lang, path=str(path)))
        return path

    def widget(self) -> widgets.Widget:
        """The control panel as one widget: controls in a grid, then outputs."""
        items = list(self.controls.values())
        if self._save is not None:
            button = widgets.Button(description=t("common.save_scenario", self.lang), icon="save")
            button.on_click(self.save)
            items.append(button)
        grid = widgets.GridBox(
            items, layout=widgets.Layout(grid_template_columns=f"repeat({self._columns}, minmax(0, 1fr))")
        )
        return widgets.VBox([grid, self.status, *self.panes.values(), *self.figures.values()])

    def display(self, interactive: bool) -> None:
        """Show live controls in JupyterLab, or the static outputs for the current values in a report (and
        whenever no live frontend will ever show the widgets: papermill, nbconvert; see ``live_frontend``)."""
        if interactive and live_frontend():
            display(self.widget())
            return
        for value in self._static.values():
            show(value)
