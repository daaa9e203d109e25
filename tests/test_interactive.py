"""The control-panel pattern every chapter uses: in-place updates, static mode, saving a scenario."""

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

from crossborder import scenario
from crossborder.core import theme
from crossborder.core.errors import InputError
from crossborder.notebook.panel import ControlPanel, update_in_place


def _render(n: int, plants: str):
    fig = theme.figure(f"n={n}")
    fig.add_bar(x=list(range(n)), y=[i * i for i in range(n)])
    if n > 3:
        fig.add_scatter(x=[0], y=[0])
    if plants == "bad":
        raise InputError("plants: expected a country code, found 'bad'")
    return {"chart": fig, "table": pd.DataFrame({"n": [n]}), "note": f"{n} bars"}


def _panel():
    controls = {"n": widgets.IntSlider(value=2, min=1, max=6), "plants": widgets.Text(value="VN")}
    save = lambda v: scenario.save_overlay("DE", "exporter", {"origin_plants": ["VN", v["plants"]]})  # noqa: E731
    return ControlPanel(controls, _render, lang="en", save=save)


def test_controls_patch_the_same_figure_widget():
    panel = _panel()
    fw = panel.figures["chart"]
    panel.controls["n"].value = 3
    assert panel.figures["chart"] is fw and list(fw.data[0].y) == [0, 1, 4] and fw.layout.title.text == "n=3"
    panel.controls["n"].value = 5  # a trace more: still the same widget
    assert panel.figures["chart"] is fw and len(fw.data) == 2
    assert ">5<" in panel.panes["table"].value and "5 bars" in panel.panes["note"].value


def test_rejected_values_keep_the_old_figure_and_say_why():
    panel = _panel()
    panel.controls["plants"].value = "bad"
    assert "expected a country code" in panel.status.value and panel.last_error
    assert list(panel.figures["chart"].data[0].y) == [0, 1]


def test_static_mode_builds_no_widgets(capsys):
    panel = _panel()
    panel.display(interactive=False)
    assert panel._live is None  # a report carries no FigureWidget state


def test_save_writes_a_validated_overlay(user_folder):
    panel = _panel()
    panel.controls["plants"].value = "JP"
    path = panel.save()
    assert path == user_folder / "scenarios" / "DE.yaml"
    assert yaml.safe_load(path.read_text())["exporter"]["origin_plants"] == ["VN", "JP"]
    assert scenario.load("DE").exporter.origin_plants == ["VN", "JP"]
    panel.controls["plants"].value = "XX"  # renders fine, but the scenario rejects it: nothing written
    assert panel.save() is None and "origin_plants" in panel.status.value
    assert scenario.load("DE").exporter.origin_plants == ["VN", "JP"]


def test_update_in_place_replaces_traces_of_another_type():
    fw = go.FigureWidget(go.Figure(go.Bar(y=[1])))
    update_in_place(fw, go.Figure(go.Scatter(y=[2, 3])))
    assert fw.data[0].type == "scatter" and list(fw.data[0].y) == [2, 3]


@pytest.mark.slow
def test_papermill_with_the_chapter_defaults_gives_static_figures(tmp_path):
    """``papermill notebooks/03_pricing.ipynb out.ipynb`` (interactive=True by default, but no live frontend):
    static plotly figures, no widget state, a small notebook."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "out.ipynb"
    env = {**os.environ, "PYTHONPATH": str(root / "lib")}
    env.pop("JPY_SESSION_NAME", None)
    proc = subprocess.run([sys.executable, "-m", "papermill", str(root / "notebooks" / "03_pricing.ipynb"), str(out),
                           "--cwd", str(root / "notebooks")], capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.stat().st_size < 3_000_000
    nb = json.loads(out.read_text(encoding="utf-8"))
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    assert not [m for m in state.values() if "Figure" in m.get("model_name", "")]  # no live chart saved
    mimes = [m for c in nb["cells"] for o in c.get("outputs", []) for m in o.get("data", {})]
    assert "application/vnd.jupyter.widget-view+json" not in mimes
    assert mimes.count("application/vnd.plotly.v1+json") >= 3


def test_live_frontend_detection(monkeypatch):
    from crossborder.notebook import panel as panel_module

    for key in ("CROSSBORDER_INTERACTIVE", "JPY_SESSION_NAME", "SERVER_SOFTWARE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(panel_module, "_parent_command", lambda: "/usr/bin/python /venv/bin/papermill a.ipynb b.ipynb")
    assert not panel_module.live_frontend()
    monkeypatch.setenv("JPY_SESSION_NAME", "notebooks/03_pricing.ipynb")  # JupyterLab started the kernel
    assert panel_module.live_frontend()
    monkeypatch.delenv("JPY_SESSION_NAME")
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    assert panel_module.live_frontend()
    monkeypatch.setenv("CROSSBORDER_INTERACTIVE", "0")
    assert not panel_module.live_frontend()
