"""Chapter 09: the 90-day plan tracker (calendar, template, RAG, SQLite store, CLI, control panel)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import pytest

from crossborder import cli, scenario
from crossborder.chapters import plan
from crossborder.chapters.plan import model, store
from crossborder.core.errors import InputError
from crossborder.core.i18n import LANGS

LIB = Path(plan.__file__).resolve().parents[2]


# The empty user folder for every test is conftest.py's autouse ``user_folder`` fixture.


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(values) -> list[str]:
    return [str(v) for v in np.asarray(values, dtype="datetime64[D]")]


def dump() -> str:
    """The whole database as SQL text (committed state, WAL included): compares 'nothing changed'."""
    if not store.db_path().exists():
        return "<no database>"
    with store.connect(write=False) as conn:
        return "\n".join(conn.iterdump())


# ---------------------------------------------------------------------------------------- working days

def test_lunar_new_year_2027_is_skipped_in_taiwan():
    # TW 2027: 4 Feb (Thu, day before the eve), 5 Feb (eve), 6-8 Feb (new year, days 1-3, Sat-Mon), 9-10 Feb
    # observed for the two weekend days. Working days from Mon 1 Feb: 1, 2, 3, then 11, 12 Feb.
    cal = plan.WorkCalendar("TW")
    assert days(cal.nth(d("2027-02-01"), [1, 2, 3, 4, 5])) == ["2027-02-01", "2027-02-02", "2027-02-03",
                                                              "2027-02-11", "2027-02-12"]
    assert int(cal.count(d("2027-02-04"), d("2027-02-10"))) == 0
    assert int(cal.count(d("2027-02-01"), d("2027-02-12"))) == 5
    # a start on a holiday: day 1 is the next working day
    assert days(cal.nth(d("2027-02-05"), [1])) == ["2027-02-11"]


def test_make_up_saturday_counts_as_a_working_day():
    # DGPA 2025: Monday 27 Jan was a bridge holiday made up on Saturday 8 Feb 2025.
    cal = plan.WorkCalendar("TW")
    got = days(cal.nth(d("2025-02-03"), range(1, 8)))
    assert got == ["2025-02-03", "2025-02-04", "2025-02-05", "2025-02-06", "2025-02-07", "2025-02-08", "2025-02-10"]
    assert bool(cal.is_working(np.array(["2025-02-08"], dtype="datetime64[D]"))[0])
    assert not bool(cal.is_working(np.array(["2025-02-15"], dtype="datetime64[D]"))[0])  # an ordinary Saturday
    # numpy's business days do not know make-up days: that is why the package's calendar is used
    assert not np.is_busday(np.datetime64("2025-02-08"))


@pytest.mark.parametrize("country", ["TW", "VN", "DE", "JP"])
@pytest.mark.parametrize("start", ["2023-01-02", "2025-01-20", "2026-12-24"])
def test_calendar_matches_the_holidays_package_step_by_step(country, start):
    # independent implementation: the package's own get_nth_working_day, one day at a time
    ref = holidays.country_holidays(country)
    expected = [ref.get_nth_working_day(d(start), 0)]
    for _ in range(119):
        expected.append(ref.get_nth_working_day(expected[-1], 1))
    assert days(plan.WorkCalendar(country).nth(d(start), range(1, 121))) == [x.isoformat() for x in expected]


def test_team_country_falls_back_to_the_exporter_and_vn_overrides_it():
    assert plan.team_country(scenario.load("DE")) == "TW" == scenario.load("DE").exporter.holiday_country
    assert plan.team_country(scenario.load("VN")) == "VN"
    # 2 Sep 2027 (Thu): Viet Nam's National Day, a working day in Taiwan
    probe = np.array(["2027-09-02"], dtype="datetime64[D]")
    assert not plan.WorkCalendar("VN").is_working(probe)[0] and plan.WorkCalendar("TW").is_working(probe)[0]
    with pytest.raises(InputError, match="holidays package"):
        plan.WorkCalendar("XX")


# -------------------------------------------------------------------------------------------- template

def test_template_covers_every_item_of_the_outline():
    tpl = plan.load_template()
    assert len(tpl) == 30 and tpl.index.is_unique
    text = " ".join(tpl["deliverable_en"] + " " + tpl["name_en"]).lower()
    for item in ["pmf", "pilot", "multilingual", "long-tail", "sla", "ga4", "search campaigns", "linkedin",
                 "remarketing", "crm", "lead-scoring", "sample sop", "quote templates", "clause library",
                 "white paper", "application cases", "distributor pocs", "reorder", "cross-sell", "weekly report",
                 "monthly report", "receivables"]:
        assert item in text, item
    for phase, (lo, hi) in plan.PHASES.items():
        rows = tpl[tpl["phase"] == phase]
        assert rows["start_day"].min() == lo and rows["end_day"].max() == hi
    assert set(tpl["checkpoint"]) == set(plan.load_checkpoints().index)
    assert tpl["source"].str.contains("illustrative").all()


def test_chinese_texts_use_full_width_punctuation():
    tpl, cps = plan.load_template(), plan.load_checkpoints()
    texts = [*tpl["deliverable_zh_TW"], *tpl["name_zh_TW"], *tpl["owner_zh_TW"], *cps["kpi_zh_TW"], *cps["target_zh_TW"]]
    bad = [s for s in texts if re.search(r"[,;:()]", s)]
    assert not bad


def _write_variant(tmp_path: Path, edit) -> Path:
    frame = pd.read_csv(plan.TEMPLATE_FILE, dtype=str, keep_default_na=False)
    edit(frame)
    path = tmp_path / "plan_90d.csv"
    frame.to_csv(path, index=False)
    return path


def test_template_dependencies_must_finish_before_the_task_starts(tmp_path):
    def edit(frame):  # P1-07 (days 6-18) made to depend on P1-06 (days 1-12): overlap
        frame.loc[frame["task_id"] == "P1-07", "depends_on"] = "P1-05;P1-06"

    with pytest.raises(InputError, match=r"line 8 \(task_id 'P1-07'\), column 'depends_on': expected tasks that end "
                                         r"before day 6 \(finish-to-start\), found 'P1-06 ends on day 12'"):
        plan.load_template(_write_variant(tmp_path, edit))


def test_template_rejects_unknown_placeholders_and_days_outside_the_phase(tmp_path):
    def placeholder(frame):
        frame.loc[0, "deliverable_en"] = "Profile for {country}"

    with pytest.raises(InputError, match=r"column 'deliverable_en': expected placeholders among .*found '\{country\}'"):
        plan.load_template(_write_variant(tmp_path, placeholder))

    def outside(frame):
        frame.loc[frame["task_id"] == "P2-01", "start_day"] = "25"

    with pytest.raises(InputError, match=r"task_id 'P2-01'\), column 'start_day': expected a day of phase 2 \(31-60\), found 25"):
        plan.load_template(_write_variant(tmp_path, outside))


# ---------------------------------------------------------------------------------------- instantiate

def test_instantiate_schedules_on_taiwan_working_days_with_hand_checked_dates():
    p = plan.instantiate(scenario.load("DE"), d("2027-01-04"))
    # Jan 2027 from Mon 4 Jan: 4 weeks = days 1-20 (to Fri 29 Jan); Feb 1, 2, 3 = days 21-23; 4-10 Feb closed;
    # 11, 12, 15, 16, 17, 18, 19 Feb = days 24-30.
    assert p.tasks.at["P1-01", "baseline_start"] == pd.Timestamp("2027-01-04")
    assert p.tasks.at["P1-01", "baseline_end"] == pd.Timestamp("2027-01-07")   # day 4
    assert p.tasks.at["P1-04", "baseline_start"] == pd.Timestamp("2027-02-01")  # day 21
    assert p.tasks.at["P1-04", "baseline_end"] == pd.Timestamp("2027-02-19")    # day 30
    assert p.checkpoints.at["C2", "due"] == pd.Timestamp("2027-02-19")
    assert p.team_country == "TW" and p.source == "preview" and not len(p.history)
    assert (p.tasks["status"] == "not_started").all() and (p.tasks["progress"] == 0).all()
    assert not store.db_path().exists()


def test_markets_differ_where_the_plan_needs_it():
    texts = {}
    for code in scenario.example_markets():
        p = plan.instantiate(scenario.load(code), d("2027-01-04"))
        texts[code] = (p.tasks.at["P1-02", "deliverable_en"], p.tasks.at["P3-03", "deliverable_zh_TW"], p.end)
        assert "{" not in " ".join(p.tasks["deliverable_en"]) + " ".join(p.tasks["deliverable_zh_TW"])
    assert len({v[0] for v in texts.values()}) == 6 and len({v[1] for v in texts.values()}) == 6
    assert "Germany, Austria, Switzerland" in texts["DE"][0]
    assert "巴伐利亞邦" in texts["DE"][1]
    assert texts["VN"][2] != texts["DE"][2]  # Viet Nam's team runs on Viet Nam's holidays


def test_preview_with_no_pilots_says_they_are_still_to_be_chosen(monkeypatch):
    scn = scenario.load("DE")
    blank = scn.plan.model_copy(update={"pilot_countries": [], "poc_regions": []})
    monkeypatch.setitem(scn.sections, "plan", blank)
    p = plan.instantiate(scn, d("2027-01-04"))
    assert "three pilot countries (to be chosen)" in p.tasks.at["P1-02", "deliverable_en"]
    assert "三個試點國家（待選定）" in p.tasks.at["P1-02", "deliverable_zh_TW"]


def test_plan_settings_validation_names_the_key(user_folder):
    with pytest.raises(InputError, match=r"key 'plan': expected red_days greater than amber_days"):
        scenario.save_overlay("DE", "plan", {"amber_days": 6, "red_days": 5})
    with pytest.raises(InputError, match=r"key 'plan.pilot_countries': expected none \(to be chosen\) or exactly three"):
        scenario.save_overlay("DE", "plan", {"pilot_countries": ["DE", "AT"]})
    assert not (user_folder / "scenarios" / "DE.yaml").exists()


# ------------------------------------------------------------------------------------ update rules

def _state(**kw):
    base = {"status": "not_started", "progress": 0, "actual_start": None, "actual_end": None, "note": ""}
    return {**base, **kw}


def test_update_rules():
    on = d("2027-01-12")
    done = model.next_state(_state(), on=on, status="done")
    assert (done["status"], done["progress"], done["actual_start"], done["actual_end"]) == ("done", 100, on, on)
    assert model.next_state(_state(), on=on, progress=100)["status"] == "done"
    started = model.next_state(_state(), on=on, progress=40, note="draft")
    assert (started["status"], started["actual_start"], started["note"]) == ("on_track", on, "draft")
    assert model.next_state(_state(status="on_track", progress=40, actual_start=on, note="draft"), on=on,
                            status="at-risk")["note"] == "draft"  # a task keeps its latest note
    reset = model.next_state(_state(status="on_track", progress=40, actual_start=on), on=on, status="not-started")
    assert (reset["progress"], reset["actual_start"]) == (0, None)
    bad = [
        (dict(status="not_started", progress=10), "a task that has not started is 0 %"),
        (dict(status="done", progress=80), "a done task is 100 %"),
        (dict(status="on_track", progress=100), "below 100"),
        (dict(progress=50, finished=on), "only a done task has a finish date"),
        (dict(status="done", finished=d("2027-01-13")), "on or before the update's date 2027-01-12"),
        (dict(status="done", started=d("2027-01-10"), finished=d("2027-01-09")), "on or after the start 2027-01-10"),
        (dict(status="finished"), "expected one of not-started, on-track, at-risk, off-track, done"),
        (dict(progress="55.5"), "a whole number from 0 to 100"),
        (dict(progress=True), "a whole number from 0 to 100"),
    ]
    for kwargs, message in bad:
        with pytest.raises(InputError, match=re.escape(message)):
            model.next_state(_state(), on=on, **kwargs)
    with pytest.raises(InputError, match="below 100"):  # reopening a done task needs a progress below 100
        model.next_state(_state(status="done", progress=100, actual_start=on, actual_end=on), on=on, status="on-track")


# --------------------------------------------------------------------------------- schedule variance

def test_schedule_variance_and_rag_hand_worked():
    p = plan.instantiate(scenario.load("DE"), d("2027-01-04"))
    # P1-10: plan days 6-15 = Mon 11 Jan to Fri 22 Jan 2027, D = 10 working days.
    # As of Thu 14 Jan, AT = 4 (11, 12, 13, 14 Jan).
    cases = [  # progress, ES = progress x D, SV = ES - AT, RAG (amber beyond 2 days behind, red beyond 5)
        (30, 3.0, -1.0, "green"),
        (10, 1.0, -3.0, "amber"),
        (60, 6.0, 2.0, "green"),
    ]
    for progress, es, sv, rag in cases:
        q = plan.with_pending(p, "P1-10", d("2027-01-14"), progress=progress)
        st = plan.status_table(q, d("2027-01-14"))
        assert st.at["P1-10", "duration"] == 10 and st.at["P1-10", "elapsed"] == 4
        assert st.at["P1-10", "sv_days"] == pytest.approx(es - 4) == pytest.approx(sv)
        assert st.at["P1-10", "planned_pct"] == pytest.approx(40.0)
        assert st.at["P1-10", "rag"] == rag
    # not started by Wed 20 Jan: AT = 8, ES = 0, SV = -8: red; before Mon 11 Jan it is not due
    st = plan.status_table(p, d("2027-01-20"))
    assert st.at["P1-10", "sv_days"] == -8 and st.at["P1-10", "rag"] == "red"
    assert plan.status_table(p, d("2027-01-08")).at["P1-10", "rag"] == "not_due"
    # the team's own status only makes it worse: on schedule but "at risk" is amber, "off track" red
    q = plan.with_pending(p, "P1-10", d("2027-01-14"), status="at-risk", progress=40)
    assert plan.status_table(q, d("2027-01-14")).at["P1-10", "rag"] == "amber"
    q = plan.with_pending(p, "P1-10", d("2027-01-14"), status="off-track", progress=40)
    assert plan.status_table(q, d("2027-01-14")).at["P1-10", "rag"] == "red"
    # done late, on Wed 27 Jan: AT at finish = 13 (11-22 Jan is 10, plus 25, 26, 27), ES = 10, SV = -3
    q = plan.with_pending(p, "P1-10", d("2027-01-27"), status="done", started=d("2027-01-11"))
    row = plan.status_table(q, d("2027-02-26")).loc["P1-10"]
    assert (row["sv_days"], row["rag"], bool(row["overdue"])) == (-3, "done", False)


def test_rag_thresholds_are_strict_and_checked():
    rag = plan.schedule_rag([-2, -2.5, -5, -5.1, 3], ["on_track"] * 5, amber_days=2, red_days=5)
    assert list(rag) == ["green", "amber", "amber", "red", "green"]
    p = plan.instantiate(scenario.load("DE"), d("2027-01-04"))
    st = plan.status_table(p, d("2027-01-14"), plan.Thresholds(amber_days=3, red_days=4))
    assert st.at["P1-10", "rag"] == "amber"  # 4 days behind: amber at 3, not yet red at 4
    with pytest.raises(InputError, match="amber_days < red_days"):
        plan.status_table(p, d("2027-01-14"), plan.Thresholds(amber_days=4, red_days=4))


# ---------------------------------------------------------------------------------------- the store

def test_store_round_trip_history_replay_and_burnup():
    plan.init_plan("DE", "2027-01-04", by="Mei")
    plan.record_update("DE", "P1-01", status="on-track", progress=50, on="2027-01-05", by="Mei", note="ICP draft")
    plan.record_update("DE", "p1-01", status="done", on="2027-01-07", by="Mei")
    plan.record_update("DE", "P1-05", progress=40, on="2027-01-06", by="Ken")
    saved = plan.load_plan("DE")
    assert saved.source == "database" and saved.created_by == "Mei"
    assert saved.tasks.at["P1-01", "status"] == "done" and saved.tasks.at["P1-01", "note"] == "ICP draft"
    # replaying the whole history gives the current state; an earlier date gives the earlier state
    now = plan.state_as_of(saved, d("2100-01-01"))
    pd.testing.assert_frame_equal(now, saved.tasks[list(model.STATE_FIELDS)], check_dtype=False)
    then = plan.state_as_of(saved, d("2027-01-06"))
    assert (then.at["P1-01", "status"], then.at["P1-01", "progress"], then.at["P1-05", "progress"]) == ("on_track", 50, 40)
    # burn-up by hand: day 1 (4 Jan) nothing; day 2 (5 Jan) earned 0.5; day 3 earned 0.5 + 0.4;
    # day 4 (7 Jan) P1-01 done: done 1, earned 1.4; planned: P1-01 ends day 4, P1-05 day 5
    bu = plan.burnup(saved, d("2027-01-08")).set_index("day")
    assert list(bu.loc[1:5, "done"]) == [0, 0, 0, 1, 1]
    assert list(bu.loc[1:5, "earned"]) == pytest.approx([0, 0.5, 0.9, 1.4, 1.4])
    assert list(bu.loc[1:5, "planned"]) == [0, 0, 0, 1, 2]
    assert np.isnan(bu.at[6, "done"]) and bu.at[90, "planned"] == 30 == bu.at[90, "scope"]


def test_history_is_append_only():
    plan.init_plan("DE", "2027-01-04", by="Mei")
    plan.record_update("DE", "P1-01", progress=20, on="2027-01-04", by="Mei", note="first")
    before = plan.history("DE")
    plan.record_update("DE", "P1-01", progress=60, on="2027-01-05", by="Ken", note="second")
    after = plan.history("DE")
    assert len(after) == len(before) + 1
    pd.testing.assert_frame_equal(after.iloc[: len(before)], before)
    assert json.loads(after.iloc[-1]["changes"]) == {"progress": [20, 60], "note": ["first", "second"]}
    with store.connect(write=True) as conn:
        for sql in ("UPDATE history SET note = 'edited'", "DELETE FROM history"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(sql)
    pd.testing.assert_frame_equal(plan.history("DE"), after)
    # an update dated before the task's last one is refused: history stays in date order
    with pytest.raises(InputError, match=r"--on: expected a date on or after task P1-01's last update \(2027-01-05\)"):
        plan.record_update("DE", "P1-01", progress=70, on="2027-01-04")


def test_init_twice_needs_restart_which_archives_and_keeps_history():
    plan.init_plan("DE", "2027-01-04", by="Mei")
    plan.record_update("DE", "P1-01", progress=20, on="2027-01-04", by="Mei")
    with pytest.raises(InputError, match="already exists; use --restart"):
        plan.init_plan("DE", "2027-02-01")
    new = plan.init_plan("DE", "2027-02-01", by="Mei", restart=True)
    assert plan.load_plan("DE").plan_id == new.plan_id and new.start == d("2027-02-01")
    with store.connect() as conn:
        rows = conn.execute("SELECT id, archived_at FROM plans ORDER BY id").fetchall()
        events = [r[0] for r in conn.execute("SELECT event FROM history ORDER BY id")]
    assert rows[0][1] is not None and rows[1][1] is None
    assert events == ["init", "update", "archive", "init"]


def test_schema_is_versioned_and_migrated():
    path = store.db_path()
    path.parent.mkdir(parents=True)
    sqlite3.connect(path).close()  # an empty database file: version 0
    with store.connect(write=True) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION == 1
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
            "plans", "tasks", "checkpoints", "history"}
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(store.StoreError, match="version 99 is newer"):
        with store.connect(write=True):
            pass


def test_reading_never_creates_the_database(user_folder):
    assert plan.load_plan("DE") is None
    v = plan.view(scenario.load("DE"), d("2026-11-30"))
    assert v.plan.source == "preview" and v.plan.start == d("2026-11-30")
    assert not user_folder.exists()


def test_a_crash_mid_transaction_leaves_the_last_committed_state(user_folder):
    plan.init_plan("DE", "2027-01-04", by="Mei")
    plan.record_update("DE", "P1-01", progress=20, on="2027-01-04", by="Mei")
    before = dump()
    code = textwrap.dedent("""
        import os
        from crossborder.chapters.plan import store
        with store.connect(write=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE tasks SET progress = 90, status = 'on_track'")
            conn.execute("INSERT INTO history (plan_id, task_id, event, recorded_at, effective, by, changes) "
                         "VALUES (1, 'P1-01', 'update', 'x', '2027-01-05', 'crash', '{}')")
            os._exit(3)  # the process dies before COMMIT
    """)
    env = {**os.environ, "PYTHONPATH": str(LIB)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stderr
    assert dump() == before
    with store.connect(write=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    plan.record_update("DE", "P1-01", progress=30, on="2027-01-05", by="Mei")  # and it is still writable


WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from crossborder.chapters.plan import record_update
    name, n, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():
        time.sleep(0.005)
    for i in range(n):
        task = "P1-03" if i % 2 else ("P1-05" if name == "A" else "P1-06")
        record_update("DE", task, progress=1 + (i * 7 + (0 if name == "A" else 3)) % 98,
                      note=f"{name}-{i}", by=name, on="2027-01-20")
""")


@pytest.fixture
def fast_home(tmp_path, monkeypatch):
    """A user folder on tmpfs when there is one: fsync costs nothing there, so hundreds of fully synchronous
    commits take seconds, and SQLite's locking (what this test is about) is the same."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        import shutil
        import tempfile

        home = Path(tempfile.mkdtemp(prefix="crossborder-plan-", dir=shm))
        monkeypatch.setenv("CROSSBORDER_HOME", str(home))
        yield home
        shutil.rmtree(home, ignore_errors=True)
    else:
        yield Path(os.environ["CROSSBORDER_HOME"])


def test_two_processes_writing_hundreds_of_updates_lose_none(tmp_path, fast_home):
    plan.init_plan("DE", "2027-01-04", by="setup")
    assert store.db_path().parent == fast_home
    n = 300
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(LIB)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, name, str(n), str(go)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("A", "B")]
    go.touch()  # both start together
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    h = plan.history("DE")
    updates = h[h["event"] == "update"]
    assert len(updates) == 2 * n
    assert sorted(updates["note"]) == sorted(f"{w}-{i}" for w in "AB" for i in range(n))
    assert set(updates.groupby("by").size()) == {n}
    # serialized: every update saw the state the previous committed update of that task left behind
    for task, rows in updates.groupby("task_id"):
        prev_progress, prev_note = 0, ""
        for row in rows.sort_values("id").itertuples():
            change = json.loads(row.changes)
            assert change["note"][0] == prev_note
            if "progress" in change:
                assert change["progress"][0] == prev_progress
            prev_progress, prev_note = row.progress, row.note
        current = plan.load_plan("DE").tasks.loc[task]
        assert (current["progress"], current["note"]) == (prev_progress, prev_note)


# ------------------------------------------------------------------------------------------------ CLI

def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own errors (missing arguments): one line, exit 2
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_init_set_show_history(capsys):
    code, out, _ = run(capsys, "plan", "init", "DE", "--start", "2027-01-04", "--by", "Mei")
    assert code == 0 and "day 90 = 2027-05-20" in out
    code, out, _ = run(capsys, "plan", "set", "DE", "P1-01", "--status", "done", "--progress", "100",
                       "--note", "ICP signed off by the GM", "--by", "Mei", "--on", "2027-01-07")
    assert code == 0 and "P1-01" in out and "status not-started→done" in out
    run(capsys, "plan", "set", "DE", "P1-06", "--status", "at-risk", "--progress", "30", "--on", "2027-01-08",
        "--note", "translator late", "--by", "Ann")
    code, out, _ = run(capsys, "plan", "show", "DE", "--as-of", "2027-01-12", "--lang", "en")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("Germany (DE) plan, started 2027-01-04 on Taiwan working days; as of 2027-01-12: "
                        "plan day 7 of 90")
    assert lines[1].startswith("1 of 30 done (3 planned by now)")
    p101 = next(line for line in lines if line.startswith("P1-01"))
    assert "done" in p101 and "ICP signed off by the GM" in p101
    p106 = next(line for line in lines if line.startswith("P1-06"))
    assert "at risk" in p106 and "amber" in p106
    code, out, _ = run(capsys, "plan", "show", "DE", "--as-of", "2027-01-12")
    assert code == 0 and "德國（DE）計畫" in out and "有風險" in out
    code, out, _ = run(capsys, "plan", "history", "DE")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert "init" in lines[0] and '"ICP signed off by the GM"' in lines[1] and "by Mei" in lines[1]
    assert '"translator late"' in lines[2] and "by Ann" in lines[2]
    code, out, _ = run(capsys, "plan", "history", "DE", "--task", "P1-06")
    assert len(out.splitlines()) == 1


BAD_INPUT = [
    (["set", "DE", "P9-99", "--status", "done"], "task: expected a task id of the DE plan such as P1-01"),
    (["set", "DE", "P1-02", "--status", "finished"], "--status: expected one of not-started, on-track"),
    (["set", "DE", "P1-02", "--progress", "150"], "--progress: expected a whole number from 0 to 100, found '150'"),
    (["set", "DE", "P1-02", "--progress", "-5"], "--progress: expected a whole number from 0 to 100, found '-5'"),
    (["set", "DE", "P1-02", "--progress", "half"], "--progress: expected a whole number from 0 to 100, found 'half'"),
    (["set", "DE", "P1-02", "--progress", "10", "--on", "2027-02-30"], "--on: expected a date YYYY-MM-DD"),
    (["set", "DE", "P1-02", "--progress", "10", "--on", "2027-01-05", "--started", "2027-01-09"],
     "--started: expected a date on or before the update's date 2027-01-05"),
    (["set", "DE", "P1-02", "--progress", "50", "--finished", "2027-01-05"], "--finished: only a done task"),
    (["set", "DE", "P1-01", "--progress", "10", "--on", "2027-01-06"], "--on: expected a date on or after task P1-01's"),
    (["set", "DE", "P1-02"], "nothing to change"),
    (["set", "JP", "P1-02", "--progress", "10"], "market JP: no plan started"),
    (["set", "XX", "P1-02", "--progress", "10"], "market: 'XX' is not an ISO 3166-1 alpha-2 country code"),
    (["init", "DE", "--start", "2027-01-04"], "a plan started on 2027-01-04 already exists"),
    (["init", "JP", "--start", "2027-13-01"], "--start: expected a date YYYY-MM-DD, found '2027-13-01'"),
    (["show", "DE", "--as-of", "yesterday"], "--as-of: expected a date YYYY-MM-DD"),
    (["show", "DE", "--lang", "fr"], "--lang: expected one of zh-TW, en"),
    (["set", "DE"], "the following arguments are required: TASK"),
]


def test_bad_cli_input_exits_2_with_one_line_and_changes_nothing(capsys):
    run(capsys, "plan", "init", "DE", "--start", "2027-01-04", "--by", "Mei")
    run(capsys, "plan", "set", "DE", "P1-01", "--progress", "40", "--on", "2027-01-07")
    before = dump()
    for argv, message in BAD_INPUT:
        code, out, err = run(capsys, "plan", *argv)
        assert code == 2 and not out, argv
        assert len(err.strip().splitlines()) == 1 and message in err, (argv, err)
        assert dump() == before, argv


def test_bad_init_on_an_empty_folder_creates_nothing(capsys, user_folder):
    code, _, err = run(capsys, "plan", "init", "DE", "--start", "04/01/2027")
    assert code == 2 and "--start: expected a date YYYY-MM-DD" in err
    code, _, err = run(capsys, "plan", "set", "DE", "P1-01", "--progress", "10")
    assert code == 2 and "no plan started" in err
    assert not user_folder.exists()


def test_report_and_markets_commands_are_still_there(capsys):
    code, out, _ = run(capsys, "markets")
    assert code == 0 and out.startswith("DE ")
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    assert {"report", "markets", "plan"} <= set(sub.choices)


def test_text_table_pads_wide_characters():
    from crossborder.chapters.plan.cli import fit, width

    assert width("德國 DE") == 7
    assert width(fit("理想客戶輪廓與 PMF 假設", 10)) == 10 and fit("理想客戶輪廓與 PMF 假設", 10).endswith("… ")


# ------------------------------------------------------------------------------------- charts, panel

def _data(fig) -> str:
    return json.dumps(fig.to_plotly_json()["data"], sort_keys=True, default=str)


def test_charts_and_tables_in_both_languages():
    plan.init_plan("DE", "2027-01-04", by="Mei")
    plan.record_update("DE", "P1-01", status="done", on="2027-01-07", by="Mei")
    plan.record_update("DE", "P1-06", status="at-risk", progress=30, on="2027-01-08", by="Ann", note="late")
    v = plan.view(scenario.load("DE"), d("2027-01-12"))
    for lang in LANGS:
        g = plan.gantt(v.plan, v.status, v.as_of, lang)
        assert g.layout.template.layout.width == 660 and g.layout.title.text
        by_name = {tr.name: tr for tr in g.data}
        amber = next(tr for tr in g.data if tr.name.startswith(("Amber", "黃燈")))
        assert any(str(y).startswith("P1-06") for y in amber.y)
        assert any(name.endswith(("2027-01-12", "現況")) for name in by_name)
        b = plan.burnup_figure(v.plan, v.burnup, v.as_of, lang)
        assert b.layout.xaxis.title.text and b.layout.yaxis.title.text
        c = plan.checkpoints_figure(v.plan, v.checkpoints, v.as_of, lang)
        assert sum(len(tr.y) for tr in c.data if tr.mode == "markers+text") == 10
        for table in (plan.template_table(v.plan, lang), plan.checkpoint_display(v.checkpoints, lang),
                      plan.phase_table(v.plan, v.status, v.as_of, lang), plan.attention_table(v.status, v.as_of, lang)):
            assert isinstance(table, pd.DataFrame) and not re.search(r"\b(nan|NaN|NaT|None)\b", table.to_string())
        text, key, value, _ = v.headline(lang)
        assert value == 1 and "1" in key and "{" not in text
        assert "plan.sqlite3" in v.source(lang)
    assert plan.holidays_table(v.plan, "zh-TW").iloc[:, 2].str.contains("春節|除夕").any()


def test_preview_headline_counts_calendar_days():
    v = plan.view(scenario.load("DE"), d("2027-01-04"))
    text, key, value, unit = v.headline("en")
    # 4 Jan to 20 May 2027 inclusive: 28 + 28 + 31 + 30 + 20 = 137 calendar days
    assert (value, unit, key) == (137, "calendar days", "137 calendar days")
    assert "end on 2027-05-20" in text and "C1 2027-01-15" in text


def test_panel_controls_change_the_figures_and_nothing_is_written_until_asked(user_folder):
    scn = scenario.load("DE")
    pnl = plan.panel(scn, "en", as_of=d("2027-01-04"))
    assert pnl.values["start"] == d("2027-01-04") and not pnl.controls["start"].disabled
    for name, value in [("start", d("2027-02-01")), ("as_of", d("2027-02-26")), ("red_days", 12), ("amber_days", 9)]:
        before = {k: _data(f) for k, f in pnl.figures.items()}
        pnl.controls[name].value = value
        assert pnl.last_error is None
        assert _data(pnl.figures["gantt"]) != before["gantt"], name
    assert not user_folder.exists()  # previews write nothing
    assert pnl.start_plan() is not None and pnl.controls["start"].disabled
    assert plan.load_plan("DE").start == d("2027-02-01")
    for name, value in [("task", "P1-03"), ("progress", 40), ("status", "off_track")]:
        before = _data(pnl.figures["gantt"])
        pnl.controls[name].value = value
        assert pnl.last_error is None and _data(pnl.figures["gantt"]) != before, name
    assert len(plan.history("DE")) == 1  # pending, not saved
    pnl.note.value = "customer visits postponed"
    pnl.by.value = "Mei"
    assert "update not saved yet" in _data(pnl.figures["gantt"])
    earned = pnl.figures["burnup"].data[2].y  # the preview already counts the pending 40 %
    assert np.nanmax(np.asarray(earned, dtype=float)) == pytest.approx(0.4)
    row = pnl.record()
    assert row["status"] == "off_track" and row["progress"] == 40 and row["note"] == "customer visits postponed"
    saved = plan.load_plan("DE")
    assert saved.tasks.at["P1-03", "status"] == "off_track" and len(saved.history) == 2
    # refreshed from the database: the same numbers, now saved (no "not saved yet" outline any more)
    assert "update not saved yet" not in _data(pnl.figures["gantt"]) and "selected task" in _data(pnl.figures["gantt"])
    assert np.nanmax(np.asarray(pnl.figures["burnup"].data[2].y, dtype=float)) == pytest.approx(0.4)
    pnl.controls["status"].value = "done"  # keeps progress consistent
    assert pnl.controls["progress"].value == 100


def test_panel_shows_errors_without_writing_and_saves_thresholds(user_folder):
    scn = scenario.load("DE")
    plan.init_plan("DE", "2027-01-04", by="Mei")
    pnl = plan.panel(scn, "zh-TW", as_of=d("2027-01-12"))
    assert pnl.controls["start"].disabled and pnl.start_button.disabled
    pnl.controls["red_days"].value = 1  # not above amber (2): the model refuses, old charts stay
    assert pnl.last_error and "amber_days < red_days" in pnl.last_error
    pnl.controls["red_days"].value = 8
    assert pnl.last_error is None
    path = pnl.save()
    assert path == user_folder / "scenarios" / "DE.yaml"
    assert scenario.load("DE").plan.red_days == 8 and scenario.load("DE").plan.pilot_countries == ["DE", "AT", "CH"]
    pnl.controls["task"].value = "P1-01"
    pnl.controls["as_of"].value = d("2027-01-05")
    assert pnl.record() is None and "nothing changes" in pnl.status.value  # no change, no note: nothing to record
    pnl.controls["progress"].value = 30
    assert pnl.record() is not None
    pnl.controls["as_of"].value = d("2027-01-04")  # earlier than the task's last update: refused, nothing written
    pnl.controls["progress"].value = 50
    before = dump()
    assert pnl.record() is None and "on or after" in pnl.status.value
    assert dump() == before


def test_report_mode_is_static_and_read_only(user_folder, monkeypatch):
    shown = []
    monkeypatch.setattr("crossborder.notebook.panel.show", shown.append)
    plan.panel(scenario.load("JP"), "zh-TW", as_of=d("2026-11-30")).display(False)
    assert [type(x).__name__ for x in shown] == ["str", "Figure", "Figure", "Figure"]
    assert not user_folder.exists()


# ---------------------------------------------------------------------------------------- workshop helpers

def test_min_progress_meets_earned_schedule_and_writes_nothing():
    preview = plan.instantiate(scenario.load("DE"), d("2027-01-04"))
    thresholds = plan.Thresholds(amber_days=2, red_days=5)
    # P1-05 runs plan days 1-5 (4-8 Jan); on 8 Jan AT = D = 5: green needs 100 (5 - 2) / 5 = 60 %
    assert plan.min_progress(preview, "P1-05", d("2027-01-08"), thresholds) == 60
    # on 6 Jan AT = 3: 100 (3 - 2) / 5 = 20 %; amber is allowed down to 100 (3 - 5) / 5 < 0: 0 %
    assert plan.min_progress(preview, "P1-05", d("2027-01-06"), thresholds) == 20
    assert plan.min_progress(preview, "P1-05", d("2027-01-06"), thresholds, worst="amber") == 0
    # one working day behind on a 1-day threshold, a 13-day task (P1-03, days 8-20) on its 13th day: 100 (13 - 1) / 13
    assert plan.min_progress(preview, "P1-03", d("2027-01-29"), plan.Thresholds(1, 3)) == 93
    with pytest.raises(InputError, match="worst"):
        plan.min_progress(preview, "P1-05", d("2027-01-08"), thresholds, worst="blue")
    assert not store.db_path().exists()


def test_window_counts_the_days_off_between_plan_days():
    tw = plan.window(plan.instantiate(scenario.load("DE"), d("2027-01-04")), 1, 30)
    # 4 Jan - 19 Feb 2027: 47 days = 30 working days + 12 weekend days + 5 weekday holidays (4-5, 8-10 Feb)
    assert (tw["first"], tw["last"], tw["calendar_days"], tw["weekend_days"]) == (d("2027-01-04"), d("2027-02-19"), 47, 12)
    assert [h.isoformat() for h in tw["holidays"]["date"]] == ["2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10"]
    later = plan.window(plan.instantiate(scenario.load("DE"), d("2027-02-01")), 1, 30)
    assert later["last"] == d("2027-03-22") and later["calendar_days"] == 50     # + Peace Memorial Day observed 1 Mar
    vn = plan.window(plan.instantiate(scenario.load("VN"), d("2027-02-01")), 1, 30)
    assert vn["last"] == d("2027-03-19")                                        # Tết in both windows: exactly 28 days later
    for lang in LANGS:
        table = plan.window_table({"2027-01-04": tw, "2027-02-01": later}, lang)
        assert len(table) == 2 and not table.isna().any().any()
    with pytest.raises(InputError, match="plan days"):
        plan.window(plan.instantiate(scenario.load("DE"), d("2027-01-04")), 5, 2)


def test_talking_points_for_a_preview_and_a_saved_plan_in_both_languages():
    for code in ("DE", "VN"):
        v = plan.view(scenario.load(code), d("2027-01-04"))
        for lang in LANGS:
            points = v.points(lang)
            assert len(points) == 3 and all(re.search(r"\d", p) for p in points), points
    preview = plan.view(scenario.load("DE"), d("2027-01-04")).points("en")
    # 4 Jan - 20 May 2027: 137 calendar days for 90 working days, 47 more; days 61-90 end on 20 May
    assert "add 47 calendar days" in preview[0] and "days 61–90 on 2027-05-20" in preview[1]
    plan.init_plan("DE", "2027-01-04", by="Mei")                                # a temporary user folder (fixture)
    plan.record_update("DE", "P1-05", progress=40, on="2027-01-06", by="Ken")
    saved = plan.view(scenario.load("DE"), d("2027-01-08"))
    for lang in LANGS:
        points = saved.points(lang)
        assert len(points) == 3 and all(re.search(r"\d", p) for p in points), points
    assert "0 of 30" in saved.points("en")[0] and "C" in saved.points("en")[2]
