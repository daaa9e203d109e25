"""The plan in tables and words, in the report's language: the template, checkpoints, what needs attention,
phases, holidays, where the plan comes from, the headline and the workshop's talking points."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crossborder.core.fmt import DASH, number, percent
from crossborder.core.i18n import country_in_text, country_name, plural, t

from .data import PHASES, PLAN_DAYS
from .model import Plan
from .status import Summary, window

WEEKDAYS = {"en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "zh-TW": ["一", "二", "三", "四", "五", "六", "日"]}


def _c(lang: str) -> str:
    return "zh_TW" if lang == "zh-TW" else "en"


def status_label(status: str, lang: str) -> str:
    return t(f"plan.status_{status}", lang)


def _label(task_id: str, name: str) -> str:
    return f"{task_id} {name}"



# ----------------------------------------------------------------------------------------------- tables

NB_HYPHEN = "\u2011"  # keeps "P1-01" and "21-30" on one line in narrow PDF table columns


def _nb(text: str) -> str:
    return str(text).replace("-", NB_HYPHEN)


def _d(value: object) -> str:
    return DASH if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def template_table(plan: Plan, lang: str) -> pd.DataFrame:
    """The plan's deliverables: id, plan days, baseline dates, owner, deliverable and KPI checkpoint."""
    c = _c(lang)
    tasks = plan.tasks.sort_values("seq")
    return pd.DataFrame({
        t("plan.col_task", lang): [_nb(i) for i in tasks.index],
        t("plan.col_days", lang): [f"{a}{NB_HYPHEN}{b}" for a, b in zip(tasks["start_day"], tasks["end_day"])],
        t("plan.col_dates", lang): [f"{_d(a)[5:]} – {_d(b)[5:]}" for a, b in zip(tasks["baseline_start"], tasks["baseline_end"])],
        t("plan.col_owner", lang): tasks[f"owner_{c}"].to_numpy(),
        t("plan.col_deliverable", lang): tasks[f"deliverable_{c}"].to_numpy(),
        t("plan.col_checkpoint", lang): tasks["checkpoint"].to_numpy(),
    })


def checkpoint_display(checkpoints: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = _c(lang)
    cps = checkpoints.sort_values("day", kind="stable")
    return pd.DataFrame({
        t("plan.col_checkpoint", lang): cps.index,
        t("plan.col_due", lang): [f"{_nb(_d(d))} ({t('plan.col_days', lang)} {day})" for d, day in zip(cps["due"], cps["day"])],
        t("plan.col_layer", lang): [t(f"plan.layer_{x}", lang) for x in cps["layer"]],
        t("plan.col_kpi", lang): cps[f"kpi_{c}"].to_numpy(),
        t("plan.col_target", lang): cps[f"target_{c}"].to_numpy(),
        t("plan.col_state", lang): [t(f"plan.cp_{s}", lang) for s in cps["state"]],
        t("plan.col_readiness", lang): [percent(r / 100, lang, 0) for r in cps["readiness"]],
    })


def attention_table(status: pd.DataFrame, as_of: date, lang: str) -> pd.DataFrame | str:
    """Amber and red tasks, worst first: what a weekly plan review talks about."""
    c = _c(lang)
    hot = status[status["rag"].isin(["amber", "red"])].copy()
    if not len(hot):
        return t("plan.nothing_behind", lang, date=as_of.isoformat())
    hot = hot.assign(_rank=hot["rag"].map({"red": 0, "amber": 1})).sort_values(["_rank", "sv_days", "seq"])
    return pd.DataFrame({
        t("plan.col_task", lang): [_label(_nb(i), n) for i, n in zip(hot.index, hot[f"name_{c}"])],
        t("plan.col_rag", lang): [t(f"plan.rag_short_{r}", lang) for r in hot["rag"]],
        t("plan.col_status", lang): [status_label(s, lang) for s in hot["status"]],
        t("plan.col_progress", lang): [percent(p / 100, lang, 0) for p in hot["progress"]],
        t("plan.col_planned", lang): [percent(p / 100, lang, 0) for p in hot["planned_pct"]],
        t("plan.col_sv", lang): [number(v, lang, 1, signed=True) for v in hot["sv_days"]],
        t("plan.col_end", lang): [_nb(_d(d)) for d in hot["baseline_end"]],
        t("plan.col_note", lang): hot["note"].fillna("").to_numpy(),
    })


def phase_table(plan: Plan, status: pd.DataFrame, as_of: date, lang: str) -> pd.DataFrame:
    """Per phase: tasks, planned done by as_of, done, and RAG counts."""
    day = int(plan.calendar.day_of(plan.start, as_of))
    end_days = plan.calendar.day_of(plan.start, status["baseline_end"])
    frame = status.assign(_planned=end_days <= day, _done=status["status"] == "done")
    rows = []
    for phase, g in frame.groupby("phase"):
        row = {t("plan.col_phase", lang): t(f"plan.phase_{phase}", lang), t("plan.col_tasks", lang): len(g),
               t("plan.col_planned_done", lang): int(g["_planned"].sum()), t("plan.col_done", lang): int(g["_done"].sum())}
        for r in ("red", "amber", "green", "not_due"):
            row[t(f"plan.rag_short_{r}", lang)] = int((g["rag"] == r).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def holidays_table(plan: Plan, lang: str) -> pd.DataFrame | str:
    """Public holidays on weekdays and make-up working days inside the plan's window (the schedule skips or
    uses them)."""
    found = plan.calendar.holidays_between(plan.start, plan.end, lang)
    if not len(found):
        return t("plan.no_holidays", lang)
    names = [t("plan.makeup_day", lang) if k == "makeup" else n for n, k in zip(found["name"], found["kind"])]
    return pd.DataFrame({
        t("plan.col_date", lang): [d.isoformat() for d in found["date"]],
        t("plan.col_weekday", lang): [WEEKDAYS[lang][d.weekday()] for d in found["date"]],
        t("plan.col_holiday", lang): names,
    })


# --------------------------------------------------------------------------------------------- texts

def source_text(plan: Plan, summary: Summary, lang: str, path: str = "") -> str:
    """One paragraph saying where the plan shown comes from (database or an in-memory preview)."""
    market = country_name(plan.market, lang)
    country = country_name(plan.team_country, lang)
    if plan.source == "database":
        return t("plan.source_database", lang, market=market, start=plan.start.isoformat(), by=plan.created_by or "",
                 country=country, path=path, as_of=summary.as_of.isoformat(), day=summary.plan_day)
    return t("plan.source_preview", lang, market=market, start=plan.start.isoformat(), country=country, code=plan.market)


def nothing_due(plan: Plan, summary: Summary) -> bool:
    """Whether nothing of the plan is due yet on the summary's date: no deliverable's baseline end and no KPI
    checkpoint has come, and nothing is done (typically the report date is the plan's start)."""
    first_cp = min(pd.Timestamp(d).date() for d in plan.checkpoints["due"])
    return summary.planned_done == 0 and summary.done == 0 and summary.as_of < first_cp


def baseline(plan: Plan) -> dict[str, object]:
    """The baseline's landmarks: the first deliverable's planned end, the last one's, the first checkpoint."""
    ends = pd.to_datetime(plan.tasks["baseline_end"])
    cps = plan.checkpoints.sort_values(["due", "day"])
    return {"first_end": ends.min().date(), "end": ends.max().date(), "cp": cps.index[0],
            "cp_due": pd.Timestamp(cps["due"].iloc[0]).date()}


def _when(plan: Plan, summary: Summary, market: str, lang: str) -> str:
    """"Plan day 1 of 90 in Germany", or before day 1 "The plan in Germany starts on 2026-11-30"."""
    if summary.plan_day >= 1:
        return t("plan.when_day", lang, day=summary.plan_day, market=market)
    day_one = pd.Timestamp(plan.calendar.nth(plan.start, [1])[0]).date()
    return t("plan.when_before", lang, market=market, start=day_one.isoformat())


def headline(plan: Plan, summary: Summary, lang: str) -> tuple[str, str, float, str]:
    """The chapter's headline: sentence, key figure, its number and unit."""
    market = country_in_text(plan.market, lang)
    if plan.source == "database" and nothing_due(plan, summary):
        b = baseline(plan)
        text = t("plan.headline_not_due", lang, when=_when(plan, summary, market, lang), n=summary.tasks,
                 first_end=_d(b["first_end"]), end=_d(b["end"]), cp=b["cp"], cp_due=_d(b["cp_due"]))
        return text, t("plan.headline_database_figure", lang, done=summary.done, n=summary.tasks), float(summary.done), "deliverables done"
    if plan.source == "database":
        text = t("plan.headline_database", lang, day=summary.plan_day, market=market, done=summary.done,
                 n=summary.tasks, planned=summary.planned_done, red=summary.rag["red"], amber=summary.rag["amber"])
        return text, t("plan.headline_database_figure", lang, done=summary.done, n=summary.tasks), float(summary.done), "deliverables done"
    day_one = pd.Timestamp(plan.calendar.nth(plan.start, [1])[0]).date()
    calendar_days = (plan.end - day_one).days + 1
    first = plan.checkpoints.sort_values("day")
    text = t("plan.headline_preview", lang, start=day_one.isoformat(), market=market, end=plan.end.isoformat(),
             cal=calendar_days, country=country_in_text(plan.team_country, lang),
             first=f"{first.index[0]} {_d(first['due'].iloc[0])}")
    return text, t("plan.headline_preview_figure", lang, cal=calendar_days), float(calendar_days), "calendar days"



def talking_points(plan: Plan, summary: Summary, checkpoints: pd.DataFrame, lang: str) -> list[str]:
    """Three sentences for the workshop slide, with this market's plan numbers, in the report's language: the
    status of a saved plan, or for a preview what the 90 working days mean on the team's calendar."""
    market, country = country_in_text(plan.market, lang), country_in_text(plan.team_country, lang)
    cps = checkpoints.sort_values(["due", "day"])
    if plan.source == "database" and nothing_due(plan, summary):
        b = baseline(plan)
        ends = [_d(window(plan, lo, hi, lang)["last"]) for lo, hi in PHASES.values()]
        return [
            t("plan.pt_not_due", lang, when=_when(plan, summary, market, lang), n=summary.tasks,
              first_end=_d(b["first_end"])),
            t("plan.pt_preview_phases", lang, p1=ends[0], p2=ends[1], p3=ends[2]),
            t("plan.pt_preview_checkpoints", lang, n=len(plan.tasks), k=len(cps), first=cps.index[0],
              first_due=_d(cps["due"].iloc[0]), last=cps.index[-1], last_due=_d(cps["due"].iloc[-1])),
        ]
    if plan.source == "database":
        nxt = summary.next_checkpoint
        points = [
            t("plan.pt_db_status", lang, day=summary.plan_day, market=market, done=summary.done, n=summary.tasks,
              planned=summary.planned_done),
            t("plan.pt_db_rag", lang, red=summary.rag["red"], amber=summary.rag["amber"], green=summary.rag["green"],
              sv=number(summary.sv_days, lang, 1, signed=True)),
        ]
        if nxt is not None:
            points.append(t("plan.pt_db_next", lang, cp=nxt, due=_d(summary.next_due),
                            readiness=percent(checkpoints.at[nxt, "readiness"] / 100, lang, 0)))
        else:
            points.append(t("plan.pt_db_no_next", lang, met=int((checkpoints["state"] == "met").sum()), n=len(checkpoints)))
        return points
    whole = window(plan, 1, PLAN_DAYS, lang)
    ends = [_d(window(plan, lo, hi, lang)["last"]) for lo, hi in PHASES.values()]
    names = list(dict.fromkeys(whole["holidays"]["name"]))
    shown = ("、" if lang == "zh-TW" else ", ").join(names[:4]) + ("…" if len(names) > 4 else "")
    return [
        plural("plan.pt_preview_holidays" if names else "plan.pt_preview_no_holidays", len(whole["holidays"]), lang,
               country=country, names=shown, extra=whole["calendar_days"] - PLAN_DAYS),
        t("plan.pt_preview_phases", lang, p1=ends[0], p2=ends[1], p3=ends[2]),
        t("plan.pt_preview_checkpoints", lang, n=len(plan.tasks), k=len(cps), first=cps.index[0], first_due=_d(cps["due"].iloc[0]),
          last=cps.index[-1], last_due=_d(cps["due"].iloc[-1])),
    ]
