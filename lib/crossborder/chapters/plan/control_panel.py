"""JupyterLab controls for the plan: view date, RAG thresholds, and a form that records a task update.

Changing a control recomputes the charts in place; nothing is written until a button is pressed:
- "Record update" writes the selected task's status / progress / note to SQLite (``store.record_update``,
  dated with the view's as-of date) and the charts refresh from the database;
- "Start this plan" (only while no plan exists) saves the template scheduled from the start date;
- "Save scenario" saves the RAG thresholds into the user's scenario overlay.
Before recording, the selected task is drawn with the pending values (outlined, "not saved yet").
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas.io.formats.style  # noqa: F401 - interactive._as_html (this branch's spine) looks up Styler on text panes

from crossborder import scenario
from crossborder.core.errors import InputError
from crossborder.core.i18n import t
from crossborder.core.paths import relative
from crossborder.notebook.panel import ControlPanel
from crossborder.scenario import Scenario

from . import charts, store
from .model import STATUSES, Plan, with_pending
from .present import _c, attention_table
from .status import Thresholds, burnup, checkpoint_table, status_table


class PlanPanel(ControlPanel):
    """A ControlPanel with the update form (note, author, record / start buttons) of the plan tracker."""

    def __init__(self, scn: Scenario, lang: str, as_of: date, path: Path | None = None) -> None:
        self.scn = scn
        self.path = path
        self._syncing = False
        self._previews: dict[date, Plan] = {}
        plan = self.current_plan(as_of)
        settings = scn.plan
        task_options = [(t("plan.ctl_no_task", lang), "")] + [
            (f"{i} {n}", i) for i, n in zip(plan.tasks.index, plan.tasks[f"name_{_c(lang)}"])]
        controls = {
            "as_of": widgets.DatePicker(description=t("plan.ctl_as_of", lang), value=as_of),
            "start": widgets.DatePicker(description=t("plan.ctl_start", lang), value=plan.start,
                                        disabled=plan.source == "database"),
            "amber_days": widgets.IntSlider(description=t("plan.ctl_amber", lang), min=0, max=15,
                                            value=int(settings.amber_days)),
            "red_days": widgets.IntSlider(description=t("plan.ctl_red", lang), min=1, max=30, value=int(settings.red_days)),
            "task": widgets.Dropdown(description=t("plan.ctl_task", lang), options=task_options, value=""),
            "status": widgets.Dropdown(description=t("plan.ctl_status", lang),
                                       options=[(t(f"plan.status_{s}", lang), s) for s in STATUSES], value="not_started"),
            "progress": widgets.IntSlider(description=t("plan.ctl_progress", lang), min=0, max=100, step=5, value=0),
        }
        for control in controls.values():
            control.style.description_width = "initial"
        self.note = widgets.Text(description=t("plan.ctl_note", lang))
        self.by = widgets.Text(description=t("plan.ctl_by", lang), value=store.default_author())
        self.record_button = widgets.Button(description=t("plan.btn_record", lang), icon="check")
        self.record_button.on_click(self.record)
        self.start_button = widgets.Button(description=t("plan.btn_start", lang), icon="play",
                                           disabled=plan.source == "database")
        self.start_button.on_click(self.start_plan)
        super().__init__(controls, self._render, lang=lang, save=self._save_thresholds)

    # ------------------------------------------------------------------------------------- model side

    def current_plan(self, start: date) -> Plan:
        """The saved plan (re-read on every render, so updates from elsewhere show), else a preview."""
        saved = store.load_plan(self.scn.code, self.path)
        if saved is not None:
            return saved
        if start not in self._previews:
            self._previews[start] = store.instantiate(self.scn, start)
        return self._previews[start]

    def _render(self, as_of: date, start: date, amber_days: int, red_days: int, task: str, status: str,
                progress: int) -> dict[str, Any]:
        if as_of is None or start is None:
            raise InputError("as of / start: expected a date, found an empty date field")
        thresholds = Thresholds(amber_days, red_days, self.scn.plan.due_soon_days).check()
        plan = self.current_plan(start)
        pending = False
        if task:
            row = plan.tasks.loc[task]
            if (status, progress) != (row["status"], int(row["progress"])):
                plan = with_pending(plan, task, as_of, status=status, progress=progress)
                pending = True
        st = status_table(plan, as_of, thresholds)
        cps = checkpoint_table(plan, st, as_of, thresholds)
        return {
            "attention": attention_table(st, as_of, self.lang),
            "gantt": charts.gantt(plan, st, as_of, self.lang, selected=task or None, pending=pending),
            "burnup": charts.burnup_figure(plan, burnup(plan, as_of), as_of, self.lang),
            "checkpoints": charts.checkpoints_figure(plan, cps, as_of, self.lang),
        }

    def _on_change(self, change: dict) -> None:
        if self._syncing:
            return
        if change.get("owner") is self.controls["task"] and change["new"]:
            plan = self.current_plan(self.controls["start"].value)
            row = plan.tasks.loc[change["new"]]
            self._syncing = True
            try:  # show the task's current values: no pending change until the user edits them
                self.controls["status"].value = row["status"]
                self.controls["progress"].value = int(row["progress"])
            finally:
                self._syncing = False
        elif change.get("owner") is self.controls["status"]:
            self._sync("progress", {"done": 100, "not_started": 0}.get(change["new"]))
            if change["new"] not in ("done", "not_started") and self.controls["progress"].value == 100:
                self._sync("progress", 95)
        elif change.get("owner") is self.controls["progress"]:
            status = self.controls["status"].value
            if change["new"] == 100:
                self._sync("status", "done")
            elif status == "done" or (status == "not_started" and change["new"] > 0):
                self._sync("status", "on_track")
            elif change["new"] == 0 and status == "on_track":
                self._sync("status", "not_started")
        self.refresh()

    def _sync(self, name: str, value: Any) -> None:
        """Keep status and progress consistent (done = 100 %, not started = 0 %) without extra renders."""
        if value is None or self.controls[name].value == value:
            return
        self._syncing = True
        try:
            self.controls[name].value = value
        finally:
            self._syncing = False

    # ---------------------------------------------------------------------------------------- writes

    def record(self, _button: object = None) -> dict | None:
        """Write the form's update for the selected task to the database, then refresh from it."""
        v = self.values
        if not v["task"]:
            self.status.value = html.escape(t("plan.pick_task", self.lang))
            return None
        try:
            row = store.record_update(self.scn.code, v["task"], status=v["status"], progress=v["progress"],
                                      note=self.note.value or None, by=self.by.value or None, on=v["as_of"],
                                      path=self.path)
        except InputError as exc:
            self.status.value = f"<span class='cb-error'>{html.escape(str(exc))}</span>"
            return None
        self.note.value = ""
        self.refresh()
        self.status.value = html.escape(t("plan.recorded", self.lang, task=row["task_id"], status=t(
            f"plan.status_{row['status']}", self.lang), progress=row["progress"], id=row["id"],
            path=relative(self.path or store.db_path())))
        return row

    def start_plan(self, _button: object = None) -> Plan | None:
        """Save the previewed plan (template from the start date) as the market's plan."""
        try:
            plan = store.init_plan(self.scn.code, self.controls["start"].value, by=self.by.value or None, path=self.path)
        except InputError as exc:
            self.status.value = f"<span class='cb-error'>{html.escape(str(exc))}</span>"
            return None
        self.controls["start"].disabled = True
        self.start_button.disabled = True
        self.refresh()
        self.status.value = html.escape(t("plan.started", self.lang, start=plan.start.isoformat(),
                                          path=relative(self.path or store.db_path())))
        return plan

    def _save_thresholds(self, values: dict[str, Any]) -> Path:
        Thresholds(values["amber_days"], values["red_days"]).check()
        return scenario.save_overlay(self.scn.code, "plan", {"amber_days": values["amber_days"],
                                                             "red_days": values["red_days"]})

    def widget(self) -> widgets.Widget:
        base = super().widget()
        form = widgets.HBox([self.note, self.by, self.record_button, self.start_button])
        return widgets.VBox([base.children[0], form, *base.children[1:]])


def panel(scn: Scenario, lang: str, as_of: date | None = None, path: Path | None = None) -> PlanPanel:
    """The plan tracker's controls for JupyterLab; in a report, ``display(False)`` shows the static views."""
    return PlanPanel(scn, lang, as_of or date.today(), path)
