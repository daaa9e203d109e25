"""``crossborder plan ...``: the tracker on the command line.

    crossborder plan init MARKET --start YYYY-MM-DD [--by NAME] [--restart]
    crossborder plan set MARKET TASK [--status S] [--progress 0-100] [--note TEXT] [--by NAME]
                                     [--on YYYY-MM-DD] [--started YYYY-MM-DD] [--finished YYYY-MM-DD]
    crossborder plan show MARKET [--as-of YYYY-MM-DD] [--lang zh-TW|en]
    crossborder plan history MARKET [--task TASK]

Statuses: not-started, on-track, at-risk, off-track, done. Bad input exits 2 with one line and changes
nothing (every check runs before the write transaction commits). ``cli.py`` calls ``add_commands``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from datetime import date

from crossborder import scenario
from crossborder.core.fmt import number, percent
from crossborder.core.i18n import DEFAULT_LANG, check_lang, country_name, t
from crossborder.core.paths import relative
from crossborder.core.text import one_line

from . import store
from .model import check_date
from .status_view import View, view


def add_commands(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the ``plan`` command group to the ``crossborder`` parser's subcommands."""
    plan = sub.add_parser("plan", help="90-day launch plan tracker (SQLite in the user folder)",
                          description="Run the 90-day launch plan per market. State: <user folder>/plan.sqlite3.")
    cmds = plan.add_subparsers(dest="plan_command", required=True, parser_class=parser_class, metavar="COMMAND")

    init = cmds.add_parser("init", help="start a market's plan from the template")
    init.add_argument("market", metavar="MARKET", help="ISO 3166-1 alpha-2 code, e.g. DE")
    init.add_argument("--start", required=True, help="start date YYYY-MM-DD (plan day 1 = first working day from it)")
    init.add_argument("--by", help="who starts the plan (default: your login name)")
    init.add_argument("--restart", action="store_true", help="archive the market's current plan (history kept) first")
    init.set_defaults(func=cmd_init)

    upd = cmds.add_parser("set", help="update one task (status, progress, note, dates)")
    upd.add_argument("market", metavar="MARKET")
    upd.add_argument("task", metavar="TASK", help="task id, e.g. P1-03 (see 'plan show')")
    upd.add_argument("--status", help="not-started, on-track, at-risk, off-track or done")
    upd.add_argument("--progress", help="percent complete, a whole number 0-100")
    upd.add_argument("--note", help="what happened, in a sentence")
    upd.add_argument("--by", help="who reports the update (default: your login name)")
    upd.add_argument("--on", help="the date the update refers to, YYYY-MM-DD (default today)")
    upd.add_argument("--started", help="actual start date YYYY-MM-DD (default: --on, when work begins)")
    upd.add_argument("--finished", help="actual finish date YYYY-MM-DD (default: --on, when done)")
    upd.set_defaults(func=cmd_set)

    show = cmds.add_parser("show", help="the plan as a table, with RAG as of a date")
    show.add_argument("market", metavar="MARKET")
    show.add_argument("--as-of", help="status date YYYY-MM-DD (default today)")
    show.add_argument("--lang", default=DEFAULT_LANG, help="zh-TW or en (default zh-TW)")
    show.set_defaults(func=cmd_show)

    hist = cmds.add_parser("history", help="every recorded update, oldest first, one line each")
    hist.add_argument("market", metavar="MARKET")
    hist.add_argument("--task", help="only this task")
    hist.set_defaults(func=cmd_history)


def _guard(func):
    """Database trouble (locked for too long, disk full) is not bad input: one line, exit 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except store.StoreError as exc:
            print(f"crossborder: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # output piped into head & co.: not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


@_guard
def cmd_init(args: argparse.Namespace) -> int:
    plan = store.init_plan(args.market, args.start, by=args.by, restart=args.restart)
    print(f"{plan.market}: plan {plan.plan_id} started {plan.start} ({len(plan.tasks)} tasks, working days of "
          f"{plan.team_country}, day 90 = {plan.end}) in {relative(store.db_path())}")
    return 0


@_guard
def cmd_set(args: argparse.Namespace) -> int:
    row = store.record_update(args.market, args.task, status=args.status, progress=args.progress, note=args.note,
                              started=args.started, finished=args.finished, on=args.on, by=args.by)
    print(_history_line(row))
    return 0


# ------------------------------------------------------------------------------------------- output

def width(text: str) -> int:
    """Display width in a terminal: East Asian wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def fit(text: str, cols: int) -> str:
    """``text`` cut (with an ellipsis) and padded to exactly ``cols`` display columns."""
    text = one_line(" ".join(str(text).split(" ")))  # user text: control characters shown, never sent raw
    if width(text) > cols:
        out = ""
        for ch in text:
            if width(out + ch) > cols - 1:
                break
            out += ch
        text = out + "…"
    return text + " " * (cols - width(text))


def format_table(rows: list[list[str]], widths: list[int], right: set[int] = frozenset()) -> str:
    lines = []
    for row in rows:
        cells = []
        for i, (cell, w) in enumerate(zip(row, widths)):
            cell = fit(cell, w)
            cells.append(" " * (w - width(cell.rstrip())) + cell.rstrip() if i in right else cell)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


@_guard
def cmd_show(args: argparse.Namespace) -> int:
    lang = check_lang(args.lang, "--lang")
    code = scenario.check_market(args.market)
    as_of = check_date(args.as_of, "--as-of") if args.as_of else date.today()
    if store.load_plan(code) is None:
        raise store._no_plan(code)
    v = view(scenario.load(code), as_of)
    print(render_show(v, lang))
    return 0


def render_show(v: View, lang: str) -> str:
    """The plan as a readable text table with a two-line header (used by ``plan show``)."""
    plan, s = v.plan, v.summary
    c = "zh_TW" if lang == "zh-TW" else "en"
    out = [t("plan.cli_header", lang, market=country_name(plan.market, lang), code=plan.market,
             start=plan.start.isoformat(), country=country_name(plan.team_country, lang), as_of=v.as_of.isoformat(),
             day=s.plan_day),
           t("plan.cli_totals", lang, done=s.done, n=s.tasks, planned=s.planned_done, green=s.rag["green"],
             amber=s.rag["amber"], red=s.rag["red"], not_due=s.rag["not_due"])]
    if s.next_checkpoint:
        out.append(t("plan.cli_next_checkpoint", lang, cp=s.next_checkpoint,
                     kpi=plan.checkpoints.at[s.next_checkpoint, f"kpi_{c}"], due=s.next_due.isoformat()))
    out.append("")
    header = [t("plan.col_task", lang), t("plan.col_deliverable", lang), t("plan.col_owner", lang),
              t("plan.col_start", lang), t("plan.col_end", lang), t("plan.col_status", lang),
              t("plan.col_progress", lang), t("plan.col_planned", lang), "SV", t("plan.col_rag", lang),
              t("plan.col_note", lang)]
    rows = [header]
    for task_id, r in v.status.sort_values("seq").iterrows():
        rows.append([task_id, r[f"name_{c}"], r[f"owner_{c}"], r["baseline_start"].strftime("%m-%d"),
                     r["baseline_end"].strftime("%m-%d"), t(f"plan.status_{r['status']}", lang), percent(r["progress"] / 100, lang, 0),
                     percent(r["planned_pct"] / 100, lang, 0), number(r["sv_days"], lang, 1, signed=True), t(f"plan.rag_short_{r['rag']}", lang),
                     r["note"] or ""])
    out.append(format_table(rows, [6, 28, 16, 5, 5, 11, 8, 7, 6, 7, 30], right={6, 7, 8}))
    return "\n".join(out)


def _history_line(row) -> str:
    """One update as one line: when (UTC), the date it refers to, task, who, what changed, and the note."""
    changes = json.loads(row["changes"] or "{}")

    def plain(value):
        return "–" if value is None else str(value).replace("_", "-")

    what = ", ".join(f"{k} {plain(a)}→{plain(b)}" for k, (a, b) in changes.items() if k != "note")
    task = row["task_id"] if isinstance(row["task_id"], str) else "plan"
    if row["event"] != "update":
        what = f"{row['event']}: {what}"
    # Notes are stored as given; shown on one line with control characters escaped (a newline or an ANSI
    # escape in a note or a name can neither forge a history line nor drive the terminal).
    note = f'  "{one_line(row["note"])}"' if isinstance(row.get("note"), str) and row["note"] else ""
    return (f"{row['recorded_at']}  on {row['effective']}  {one_line(task):<6} by {one_line(row['by'])}: "
            f"{one_line(what) or 'note'}{note}")


@_guard
def cmd_history(args: argparse.Namespace) -> int:
    frame = store.history(args.market, args.task)
    for row in frame.to_dict("records"):
        print(_history_line(row))
    return 0
