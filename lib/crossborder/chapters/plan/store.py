"""The tracker's state: an SQLite database in the user folder (``<user folder>/plan.sqlite3``).

Guarantees
- Every write is one transaction opened with ``BEGIN IMMEDIATE``: the write lock is taken before the current
  state is read, so two processes updating the same plan are serialized and neither update is lost (the
  second waits up to ``BUSY_TIMEOUT_S`` for the lock). Input is checked before the transaction and again
  against the current state inside it; any error rolls everything back, so bad input changes nothing.
- WAL journal with ``synchronous=FULL``: a committed update survives a crash or power loss; a process that
  dies mid-transaction leaves the last committed state (SQLite's atomic commit).
- ``history`` is append-only: triggers refuse UPDATE and DELETE on it. Each row holds when (UTC), the date
  the update refers to, who, what changed (``{field: [old, new]}``), the note and the task's state after.
- The schema is created and migrated by ``MIGRATIONS`` (``PRAGMA user_version``) on the first write
  connection; a read-only connection (reports, notebooks) never writes and never creates the file.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crossborder import scenario
from crossborder.core.errors import InputError
from crossborder.core.paths import relative, user_home
from crossborder.core.text import brief_repr, has_control
from crossborder.scenario import Scenario

from .data import load_checkpoints, load_template
from .model import (
    HISTORY_COLUMNS,
    STATE_FIELDS,
    STATUSES,
    Plan,
    changes,
    check_date,
    check_progress,
    check_status,
    next_state,
    schedule,
)
from .workdays import as_dates

DB_NAME = "plan.sqlite3"
BUSY_TIMEOUT_S = 60.0

_STATUS_CHECK = ", ".join(f"'{s}'" for s in STATUSES)
MIGRATIONS: list[str] = [
    # version 1
    f"""
    CREATE TABLE plans (
        id            INTEGER PRIMARY KEY,
        market        TEXT NOT NULL CHECK (length(market) = 2),
        start_date    TEXT NOT NULL,
        team_country  TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        created_by    TEXT NOT NULL,
        archived_at   TEXT
    );
    CREATE UNIQUE INDEX plans_one_active_per_market ON plans(market) WHERE archived_at IS NULL;
    CREATE TABLE tasks (
        plan_id        INTEGER NOT NULL REFERENCES plans(id),
        task_id        TEXT NOT NULL,
        seq            INTEGER NOT NULL,
        phase          INTEGER NOT NULL,
        start_day      INTEGER NOT NULL,
        end_day        INTEGER NOT NULL CHECK (end_day >= start_day),
        baseline_start TEXT NOT NULL,
        baseline_end   TEXT NOT NULL CHECK (baseline_end >= baseline_start),
        depends_on     TEXT NOT NULL DEFAULT '',
        checkpoint     TEXT NOT NULL,
        owner_en TEXT NOT NULL, owner_zh_TW TEXT NOT NULL,
        name_en TEXT NOT NULL, name_zh_TW TEXT NOT NULL,
        deliverable_en TEXT NOT NULL, deliverable_zh_TW TEXT NOT NULL,
        source         TEXT NOT NULL,
        status         TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ({_STATUS_CHECK})),
        progress       INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        actual_start   TEXT,
        actual_end     TEXT CHECK (actual_end IS NULL OR actual_end >= actual_start),
        note           TEXT NOT NULL DEFAULT '',
        updated_at     TEXT,
        updated_by     TEXT,
        PRIMARY KEY (plan_id, task_id)
    );
    CREATE TABLE checkpoints (
        plan_id       INTEGER NOT NULL REFERENCES plans(id),
        checkpoint    TEXT NOT NULL,
        day           INTEGER NOT NULL,
        due           TEXT NOT NULL,
        layer         TEXT NOT NULL,
        kpi_en TEXT NOT NULL, kpi_zh_TW TEXT NOT NULL,
        target_en TEXT NOT NULL, target_zh_TW TEXT NOT NULL,
        source        TEXT NOT NULL,
        PRIMARY KEY (plan_id, checkpoint)
    );
    CREATE TABLE history (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        plan_id      INTEGER NOT NULL REFERENCES plans(id),
        task_id      TEXT,
        event        TEXT NOT NULL CHECK (event IN ('init', 'update', 'archive')),
        recorded_at  TEXT NOT NULL,
        effective    TEXT NOT NULL,
        by           TEXT NOT NULL,
        changes      TEXT NOT NULL,
        note         TEXT NOT NULL DEFAULT '',
        status       TEXT,
        progress     INTEGER,
        actual_start TEXT,
        actual_end   TEXT
    );
    CREATE INDEX history_by_plan ON history(plan_id, task_id, effective);
    CREATE TRIGGER history_append_only_update BEFORE UPDATE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
    CREATE TRIGGER history_append_only_delete BEFORE DELETE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

TASK_COLUMNS = ["task_id", "seq", "phase", "start_day", "end_day", "baseline_start", "baseline_end", "depends_on",
                "checkpoint", "owner_en", "owner_zh_TW", "name_en", "name_zh_TW", "deliverable_en",
                "deliverable_zh_TW", "source", "status", "progress", "actual_start", "actual_end", "note",
                "updated_at", "updated_by"]
CHECKPOINT_COLUMNS = ["checkpoint", "day", "due", "layer", "kpi_en", "kpi_zh_TW", "target_en", "target_zh_TW", "source"]


class StoreError(RuntimeError):
    """The database could not be used (locked too long, disk full, corrupt): not the user's input."""


def db_path() -> Path:
    """The tracker's database: ``<user folder>/plan.sqlite3`` (``$CROSSBORDER_HOME`` or ``data/local``)."""
    return user_home() / DB_NAME


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def default_author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers): still record something
        return "unknown"


# ---------------------------------------------------------------------------------------- connections

def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(_newer(path, version))
    if version == SCHEMA_VERSION:
        return
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
        for number in range(version, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _newer(path: Path, version: int) -> str:
    return (f"{relative(path)}: database schema version {version} is newer than this program reads "
            f"(version {SCHEMA_VERSION}): it was written by a newer crossborder; nothing was changed; update crossborder "
            "to use this database")


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit the open transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


@contextmanager
def connect(path: Path | None = None, *, write: bool = False, create: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to the tracker's database.

    ``write=False`` opens read-only (``mode=ro``) and raises ``FileNotFoundError`` if there is no database;
    ``write=True`` migrates the schema; ``create=True`` also creates the folder and the file.
    """
    path = Path(path) if path is not None else db_path()
    if not path.exists() and not create:
        raise FileNotFoundError(path)
    try:
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        else:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                                   isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"{relative(path)}: cannot open the plan database ({exc})") from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        if write:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            _migrate(conn, path)
        else:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(_newer(path, version))
            if version != SCHEMA_VERSION:
                raise StoreError(f"{relative(path)}: database schema version {version} is older than this program's "
                                 f"({SCHEMA_VERSION}); run any 'crossborder plan' command (set, init) to migrate it")
        yield conn
    except sqlite3.Error as exc:
        raise StoreError(f"{relative(path)}: {exc}") from None
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; anything raised inside rolls the whole transaction back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# ------------------------------------------------------------------------------------------- reading

def _active_plan(conn: sqlite3.Connection, market: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM plans WHERE market = ? AND archived_at IS NULL", (market,)).fetchone()


def _no_plan(market: str) -> InputError:
    return InputError(f"market {market}: no plan started in {relative(db_path())}; start one with "
                      f"'crossborder plan init {market} --start YYYY-MM-DD'")


def _read_plan(conn: sqlite3.Connection, row: sqlite3.Row) -> Plan:
    pid = row["id"]
    tasks = pd.DataFrame([dict(r) for r in conn.execute(
        f"SELECT {', '.join(TASK_COLUMNS)} FROM tasks WHERE plan_id = ? ORDER BY seq", (pid,))], columns=TASK_COLUMNS)
    for column in ("baseline_start", "baseline_end", "actual_start", "actual_end"):
        tasks[column] = as_dates(tasks[column])
    tasks["progress"] = tasks["progress"].astype("int64")
    tasks = tasks.set_index("task_id")
    cps = pd.DataFrame([dict(r) for r in conn.execute(
        f"SELECT {', '.join(CHECKPOINT_COLUMNS)} FROM checkpoints WHERE plan_id = ? ORDER BY rowid", (pid,))],
        columns=CHECKPOINT_COLUMNS)
    cps["due"] = as_dates(cps["due"])
    cps = cps.set_index("checkpoint")
    history = pd.DataFrame([dict(r) for r in conn.execute(
        f"SELECT {', '.join(HISTORY_COLUMNS)} FROM history WHERE plan_id = ? ORDER BY id", (pid,))], columns=HISTORY_COLUMNS)
    return Plan(market=row["market"], start=date.fromisoformat(row["start_date"]), team_country=row["team_country"],
                tasks=tasks, checkpoints=cps, history=history, source="database", plan_id=pid,
                created_at=row["created_at"], created_by=row["created_by"])


def load_plan(market: str, path: Path | None = None) -> Plan | None:
    """The market's active plan from the database, read-only; ``None`` if there is no database or plan."""
    market = scenario.check_market(market)
    try:
        with connect(path, write=False) as conn:
            row = _active_plan(conn, market)
            return _read_plan(conn, row) if row is not None else None
    except FileNotFoundError:
        return None


def history(market: str, task_id: str | None = None, path: Path | None = None) -> pd.DataFrame:
    """Every recorded event of the market's active plan, oldest first (optionally one task's)."""
    plan = load_plan(market, path)
    if plan is None:
        raise _no_plan(scenario.check_market(market))
    h = plan.history
    if task_id is not None:
        task_id = check_task(plan, task_id)
        h = h[h["task_id"] == task_id]
    return h.reset_index(drop=True)


def normalize_task_id(task_id: object) -> str | None:
    """``p1-03`` and ``P1‑03`` (pasted from a report, non-breaking hyphen) both mean ``P1-03``."""
    if not isinstance(task_id, str):
        return None
    return task_id.strip().upper().replace("\u2011", "-").replace("\u2010", "-")


def check_task(plan: Plan, task_id: object) -> str:
    text = normalize_task_id(task_id)
    if text not in plan.tasks.index:
        raise InputError(f"task: expected a task id of the {plan.market} plan such as {plan.tasks.index[0]} "
                         f"(see 'crossborder plan show {plan.market}'), found {task_id!r}")
    return text


# ------------------------------------------------------------------------------------------- writing

def _iso(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


MAX_BY = 80


def _check_by(by: object) -> str:
    """Who made an update: one line of printable text (a newline would forge lines in ``plan history``)."""
    if by is None:
        return default_author()
    if not isinstance(by, str) or not by.strip():
        raise InputError(f"--by: expected the name of who made the update, found {brief_repr(by)}")
    if has_control(by):
        raise InputError(f"--by: expected a name without control characters (newlines, escapes), found {brief_repr(by)}")
    if len(by.strip()) > MAX_BY:
        raise InputError(f"--by: expected at most {MAX_BY} characters, found {len(by.strip())}")
    return by.strip()


def init_plan(market: str, start: object, *, by: str | None = None, restart: bool = False,
              path: Path | None = None) -> Plan:
    """Instantiate the template for ``market`` from ``start`` and save it as the market's active plan.

    An active plan for the market is an error unless ``restart`` is set; then the old plan is archived (kept
    with its history) in the same transaction.
    """
    market = scenario.check_market(market)
    start = check_date(start, "--start")
    by = _check_by(by)
    preview = instantiate(scenario.load(market), start)  # all checks before the database is touched
    stamp = now_utc()
    with connect(path, write=True, create=True) as conn, transaction(conn):
        old = _active_plan(conn, market)
        if old is not None and not restart:
            raise InputError(f"market {market}: a plan started on {old['start_date']} already exists; use --restart "
                             "to archive it (its history is kept) and start a new one")
        if old is not None:
            conn.execute("UPDATE plans SET archived_at = ? WHERE id = ?", (stamp, old["id"]))
            conn.execute("INSERT INTO history (plan_id, task_id, event, recorded_at, effective, by, changes) "
                         "VALUES (?, NULL, 'archive', ?, ?, ?, ?)",
                         (old["id"], stamp, date.today().isoformat(), by, json.dumps({"archived_at": [None, stamp]})))
        cur = conn.execute("INSERT INTO plans (market, start_date, team_country, created_at, created_by) "
                           "VALUES (?, ?, ?, ?, ?)", (market, start.isoformat(), preview.team_country, stamp, by))
        pid = cur.lastrowid
        rows = []
        for task_id, t in preview.tasks.iterrows():
            rows.append((pid, task_id, int(t.seq), int(t.phase), int(t.start_day), int(t.end_day),
                         _iso(t.baseline_start), _iso(t.baseline_end), t.depends_on, t.checkpoint, t.owner_en,
                         t.owner_zh_TW, t.name_en, t.name_zh_TW, t.deliverable_en, t.deliverable_zh_TW, t.source))
        conn.executemany(
            "INSERT INTO tasks (plan_id, task_id, seq, phase, start_day, end_day, baseline_start, baseline_end, "
            "depends_on, checkpoint, owner_en, owner_zh_TW, name_en, name_zh_TW, deliverable_en, deliverable_zh_TW, "
            "source) VALUES (" + ", ".join("?" * 17) + ")", rows)
        conn.executemany(
            f"INSERT INTO checkpoints (plan_id, {', '.join(CHECKPOINT_COLUMNS)}) VALUES ({', '.join('?' * 10)})",
            [(pid, cid, int(c.day), _iso(c.due), c.layer, c.kpi_en, c.kpi_zh_TW, c.target_en, c.target_zh_TW, c.source)
             for cid, c in preview.checkpoints.iterrows()])
        conn.execute("INSERT INTO history (plan_id, task_id, event, recorded_at, effective, by, changes) "
                     "VALUES (?, NULL, 'init', ?, ?, ?, ?)",
                     (pid, stamp, start.isoformat(), by,
                      json.dumps({"start": [None, start.isoformat()], "team_country": [None, preview.team_country],
                                  "tasks": [None, len(rows)]})))
        return _read_plan(conn, conn.execute("SELECT * FROM plans WHERE id = ?", (pid,)).fetchone())


def record_update(market: str, task_id: str, *, status: str | None = None, progress: object = None,
                  note: str | None = None, started: object = None, finished: object = None, on: object = None,
                  by: str | None = None, path: Path | None = None) -> dict[str, Any]:
    """Update one task of the market's active plan and append the update to its history, in one transaction.

    ``on`` is the date the update refers to (default today): it fills the actual start / finish when work
    begins / ends and orders the history. A task's updates must be dated in order. Returns the history row.
    """
    market = scenario.check_market(market)
    status = check_status(status) if status is not None else None
    progress = check_progress(progress) if progress is not None else None
    started = check_date(started, "--started") if started is not None else None
    finished = check_date(finished, "--finished") if finished is not None else None
    on = check_date(on, "--on") if on is not None else date.today()
    by = _check_by(by)
    if note is not None and not isinstance(note, str):
        raise InputError(f"--note: expected text, found {note!r}")
    if all(v is None for v in (status, progress, note, started, finished)):
        raise InputError("plan set: nothing to change; give --status, --progress, --note, --started or --finished")
    path = Path(path) if path is not None else db_path()
    if not path.exists():
        raise _no_plan(market)
    with connect(path, write=True) as conn, transaction(conn):
        plan_row = _active_plan(conn, market)
        if plan_row is None:
            raise _no_plan(market)
        pid = plan_row["id"]
        text = normalize_task_id(task_id)
        row = conn.execute("SELECT * FROM tasks WHERE plan_id = ? AND task_id = ?", (pid, text)).fetchone()
        if row is None:
            first = conn.execute("SELECT task_id FROM tasks WHERE plan_id = ? ORDER BY seq LIMIT 1", (pid,)).fetchone()
            raise InputError(f"task: expected a task id of the {market} plan such as {first[0]} "
                             f"(see 'crossborder plan show {market}'), found {task_id!r}")
        last = conn.execute("SELECT max(effective) FROM history WHERE plan_id = ? AND task_id = ? AND event = 'update'",
                            (pid, text)).fetchone()[0]
        if last is not None and on.isoformat() < last:
            raise InputError(f"--on: expected a date on or after task {text}'s last update ({last}), found {on}")
        current = {f: row[f] for f in STATE_FIELDS}
        after = next_state(current, on=on, status=status, progress=progress, note=note, started=started,
                           finished=finished)
        diff = changes(current, after)
        if not diff and not note:
            raise InputError(f"plan set: nothing changes for task {text} (status {row['status'].replace('_', '-')}, "
                             f"{row['progress']} %); give a different value or a --note")
        stamp = now_utc()
        conn.execute("UPDATE tasks SET status = ?, progress = ?, actual_start = ?, actual_end = ?, note = ?, "
                     "updated_at = ?, updated_by = ? WHERE plan_id = ? AND task_id = ?",
                     (after["status"], after["progress"], _iso(after["actual_start"]), _iso(after["actual_end"]),
                      after["note"] or "", stamp, by, pid, text))
        cur = conn.execute(
            "INSERT INTO history (plan_id, task_id, event, recorded_at, effective, by, changes, note, status, progress, "
            "actual_start, actual_end) VALUES (?, ?, 'update', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (pid, text, stamp, on.isoformat(), by, json.dumps(diff, ensure_ascii=False), note or "", after["status"],
             after["progress"], _iso(after["actual_start"]), _iso(after["actual_end"])))
        return dict(conn.execute("SELECT * FROM history WHERE id = ?", (cur.lastrowid,)).fetchone())


def instantiate(scn: Scenario, start: date, *, template: pd.DataFrame | None = None,
                checkpoints: pd.DataFrame | None = None, country: str | None = None) -> Plan:
    """The shipped template (or ``template``) scheduled from ``start`` for the scenario's market, in memory.

    Nothing is written anywhere: this is the plan a report shows when no plan was started, and what
    ``init_plan`` saves. The scheduling itself is ``model.schedule``.
    """
    checkpoints = load_checkpoints() if checkpoints is None else checkpoints
    template = load_template(checkpoints=checkpoints) if template is None else template
    return schedule(scn, start, template, checkpoints, country=country)


def open_plan(scn: Scenario, as_of: date, path: Path | None = None) -> Plan:
    """What a report or notebook shows: the market's saved plan (read-only), else an in-memory preview of
    the template started on ``as_of``. Never writes, never creates the database."""
    saved = load_plan(scn.code, path)
    return saved if saved is not None else instantiate(scn, as_of)
