"""Figures and display tables of the 90-day plan, in the report's language.

Every figure starts from ``theme.figure``; colours for RAG come from ``theme.RAG``. Dates on the x axis are
calendar dates; a bar spans its first to its last working day (end of day).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.i18n import country_name, t
from crossborder.chapters.plan.model import PLAN_DAYS, RAGS, Plan, Summary

RAG_COLORS = {"not_due": "#B4B4B4", "green": theme.RAG["green"], "amber": theme.RAG["amber"],
              "red": theme.RAG["red"], "done": theme.COLORWAY[0]}
CHECKPOINT_COLORS = {"met": theme.RAG["green"], "overdue": theme.RAG["red"], "due_soon": theme.RAG["amber"],
                     "upcoming": theme.RAG["grey"]}
_DAY_MS = 86_400_000
WEEKDAYS = {"en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "zh-TW": ["一", "二", "三", "四", "五", "六", "日"]}


def _c(lang: str) -> str:
    return "zh_TW" if lang == "zh-TW" else "en"


def status_label(status: str, lang: str) -> str:
    return t(f"plan.status_{status}", lang)


def _label(task_id: str, name: str) -> str:
    return f"{task_id} {name}"


def _as_of_marker(fig: go.Figure, as_of: date, lang: str) -> None:
    """A dashed vertical line at the end of ``as_of`` (the day counts as elapsed), named in the legend."""
    x = pd.Timestamp(as_of) + pd.Timedelta(hours=23, minutes=59)
    style = dict(color="#222", width=1.5, dash="dash")
    fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line=style)
    fig.add_scatter(x=[None], y=[None], mode="lines", line=style, hoverinfo="skip",
                    name=t("plan.as_of_line", lang, date=as_of.isoformat()))


def _phase_bands(fig: go.Figure, plan: Plan, lang: str) -> None:
    edges = pd.to_datetime(plan.calendar.nth(plan.start, [1, 31, 61, PLAN_DAYS]))
    last = edges[-1] + pd.Timedelta(days=1)
    for i, (x0, x1) in enumerate(zip(edges[:3], [edges[1], edges[2], last]), start=1):
        if i == 2:
            fig.add_shape(type="rect", x0=x0, x1=x1, y0=0, y1=1, yref="paper", fillcolor="#F2F2F2",
                          line_width=0, layer="below")
        fig.add_annotation(x=x0 + (x1 - x0) / 2, y=0, yref="paper", yanchor="top", yshift=-24, showarrow=False,
                           text=t(f"plan.phase_short_{i}", lang), font=dict(size=10, color="#666"))


def gantt(plan: Plan, status: pd.DataFrame, as_of: date, lang: str, *, selected: str | None = None,
          pending: bool = False) -> go.Figure:
    """Gantt: baseline bars colored by RAG, actual bars inside them, the as-of line and the three phases."""
    c = _c(lang)
    st = status.sort_values("seq")
    labels = [_label(i, n) for i, n in zip(st.index, st[f"name_{c}"])]
    height = 230 + 19 * len(st)
    fig = theme.figure(t("plan.gantt_title", lang, market=country_name(plan.market, lang)), height=height)
    start = st["baseline_start"]
    span = (st["baseline_end"] + pd.Timedelta(days=1) - start).dt.total_seconds().to_numpy() * 1000
    unit = t("plan.working_days_unit", lang)
    custom = np.column_stack([
        st[f"deliverable_{c}"], st[f"owner_{c}"], st["baseline_start"].dt.strftime("%Y-%m-%d"),
        st["baseline_end"].dt.strftime("%Y-%m-%d"), [status_label(s, lang) for s in st["status"]],
        st["progress"].astype(int), st["planned_pct"].round(0).astype(int), st["sv_days"].round(1),
        st["note"].fillna(""),
    ])
    hover = (f"<b>%{{y}}</b><br>%{{customdata[0]}}<br>{t('plan.hover_owner', lang)}: %{{customdata[1]}}<br>"
             f"{t('plan.hover_baseline', lang)}: %{{customdata[2]}} – %{{customdata[3]}}<br>"
             f"{t('plan.hover_status', lang)}: %{{customdata[4]}} · {t('plan.hover_progress', lang)} %{{customdata[5]}} % · "
             f"{t('plan.hover_planned', lang)} %{{customdata[6]}} %<br>{t('plan.hover_sv', lang)}: %{{customdata[7]}} {unit}"
             f"<br>{t('plan.hover_note', lang)}: %{{customdata[8]}}<extra></extra>")
    rag = st["rag"].to_numpy()
    for category in RAGS:
        mask = rag == category
        fig.add_bar(y=np.array(labels)[mask], x=span[mask], base=start[mask], orientation="h", width=0.72,
                    marker=dict(color=RAG_COLORS[category], line=dict(width=0)), opacity=0.85,
                    name=t(f"plan.rag_{category}", lang), customdata=custom[mask], hovertemplate=hover,
                    showlegend=bool(mask.any()), legendgroup=category)
    t_end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    has_actual = st["actual_start"].notna() & (st["actual_start"] <= pd.Timestamp(as_of))
    a0 = st.loc[has_actual, "actual_start"]
    a1 = st.loc[has_actual, "actual_end"].fillna(t_end - pd.Timedelta(days=1)) + pd.Timedelta(days=1)
    a1 = a1.where(a1 <= t_end, t_end)
    fig.add_bar(y=np.array(labels)[has_actual.to_numpy()], x=(a1 - a0).dt.total_seconds().to_numpy() * 1000, base=a0,
                orientation="h", width=0.26, marker=dict(color="#333333"), name=t("plan.gantt_actual", lang),
                hoverinfo="skip", showlegend=bool(has_actual.any()))
    sel = st.index == selected if selected else np.zeros(len(st), dtype=bool)
    fig.add_bar(y=np.array(labels)[sel], x=span[sel], base=start[sel], orientation="h", width=0.9,
                marker=dict(color="rgba(0,0,0,0)", line=dict(color="#000", width=2.5)), hoverinfo="skip",
                name=t("plan.gantt_pending" if pending else "plan.gantt_selected", lang), showlegend=bool(sel.any()))
    _phase_bands(fig, plan, lang)
    _as_of_marker(fig, as_of, lang)
    lo = min(pd.Timestamp(plan.start), st["baseline_start"].min()) - pd.Timedelta(days=3)
    hi = max(st["baseline_end"].max(), pd.Timestamp(as_of)) + pd.Timedelta(days=4)
    fig.update_layout(barmode="overlay", bargap=0.2, margin=dict(l=10, r=20, t=60, b=150),
                      legend=dict(yref="container", y=0, yanchor="bottom", x=0, font=dict(size=11)))
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont=dict(size=10.5), categoryorder="array",
                     categoryarray=labels)
    fig.update_xaxes(type="date", range=[lo, hi], tickformat="%m-%d", showgrid=True)
    return fig


def burnup_figure(plan: Plan, series: pd.DataFrame, as_of: date, lang: str) -> go.Figure:
    """Burn-up: planned (baseline), done and earned deliverables per working day, with the scope line."""
    fig = theme.figure(t("plan.burnup_title", lang), height=440)
    x = series["date"]
    fig.add_scatter(x=x, y=series["scope"], name=t("plan.burnup_scope", lang), mode="lines",
                    line=dict(color="#777", width=1))
    fig.add_scatter(x=x, y=series["planned"], name=t("plan.burnup_planned", lang), mode="lines",
                    line=dict(color=theme.RAG["grey"], width=2, dash="dash", shape="hv"))
    fig.add_scatter(x=x, y=series["earned"], name=t("plan.burnup_earned", lang), mode="lines",
                    line=dict(color=theme.RAG["green"], width=2, dash="dot"))
    fig.add_scatter(x=x, y=series["done"], name=t("plan.burnup_done", lang), mode="lines",
                    line=dict(color=theme.COLORWAY[0], width=3, shape="hv"))
    _as_of_marker(fig, as_of, lang)
    fig.update_layout(margin=dict(l=60, r=20, t=50, b=130), hovermode="x unified",
                      legend=dict(yref="container", y=0, yanchor="bottom", x=0))
    fig.update_xaxes(type="date", title_text=t("plan.axis_date", lang), tickformat="%m-%d",
                     range=[x.iloc[0] - pd.Timedelta(days=2), x.iloc[-1] + pd.Timedelta(days=3)])
    fig.update_yaxes(title_text=t("plan.axis_deliverables", lang), rangemode="tozero")
    return fig


def checkpoints_figure(plan: Plan, checkpoints: pd.DataFrame, as_of: date, lang: str) -> go.Figure:
    """KPI checkpoints on a time line, coloured by state, labelled with the readiness of their deliverables."""
    c = _c(lang)
    cps = checkpoints.sort_values("day", kind="stable")
    labels = [f"{i} {k}" for i, k in zip(cps.index, cps[f"kpi_{c}"])]
    fig = theme.figure(t("plan.checkpoints_title", lang), height=150 + 26 * len(cps))
    for state, color in CHECKPOINT_COLORS.items():
        mask = (cps["state"] == state).to_numpy()
        fig.add_scatter(x=cps["due"][mask], y=np.array(labels)[mask], mode="markers+text", name=t(f"plan.cp_{state}", lang),
                        marker=dict(color=color, size=14, symbol="diamond", line=dict(color="#333", width=1)),
                        text=[f"  {r:.0f}%" for r in cps["readiness"][mask]], textposition="middle right",
                        textfont=dict(size=10), showlegend=bool(mask.any()),
                        customdata=np.column_stack([cps[f"target_{c}"][mask], cps["done"][mask], cps["tasks"][mask]]),
                        hovertemplate="<b>%{y}</b><br>%{x|%Y-%m-%d}<br>%{customdata[0]}<br>"
                                      f"{t('plan.col_done', lang)}: %{{customdata[1]}}/%{{customdata[2]}}<extra></extra>")
    _as_of_marker(fig, as_of, lang)
    lo = min(pd.Timestamp(plan.start), pd.Timestamp(as_of)) - pd.Timedelta(days=3)
    hi = max(cps["due"].max(), pd.Timestamp(as_of)) + pd.Timedelta(days=12)
    fig.update_layout(margin=dict(l=10, r=20, t=95, b=50))
    fig.update_yaxes(autorange="reversed", automargin=True, categoryorder="array", categoryarray=labels)
    fig.update_xaxes(type="date", range=[lo, hi], title_text=t("plan.axis_date", lang), tickformat="%m-%d")
    return fig


# ----------------------------------------------------------------------------------------------- tables

NB_HYPHEN = "\u2011"  # keeps "P1-01" and "21-30" on one line in narrow PDF table columns


def _nb(text: str) -> str:
    return str(text).replace("-", NB_HYPHEN)


def _d(value) -> str:
    return "–" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


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
        t("plan.col_readiness", lang): [f"{r:.0f}%" for r in cps["readiness"]],
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
        t("plan.col_progress", lang): [f"{p}%" for p in hot["progress"]],
        t("plan.col_planned", lang): [f"{p:.0f}%" for p in hot["planned_pct"]],
        t("plan.col_sv", lang): [f"{v:+.1f}" for v in hot["sv_days"]],
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


def headline(plan: Plan, summary: Summary, lang: str) -> tuple[str, str, float, str]:
    """The chapter's headline: sentence, key figure, its number and unit."""
    market = country_name(plan.market, lang)
    if plan.source == "database":
        text = t("plan.headline_database", lang, day=summary.plan_day, market=market, done=summary.done,
                 n=summary.tasks, planned=summary.planned_done, red=summary.rag["red"], amber=summary.rag["amber"])
        return text, t("plan.headline_database_figure", lang, done=summary.done, n=summary.tasks), float(summary.done), "deliverables done"
    day_one = pd.Timestamp(plan.calendar.nth(plan.start, [1])[0]).date()
    calendar_days = (plan.end - day_one).days + 1
    first = plan.checkpoints.sort_values("day")
    text = t("plan.headline_preview", lang, start=day_one.isoformat(), market=market, end=plan.end.isoformat(),
             cal=calendar_days, country=country_name(plan.team_country, lang),
             first=f"{first.index[0]} {_d(first['due'].iloc[0])}")
    return text, t("plan.headline_preview_figure", lang, cal=calendar_days), float(calendar_days), "calendar days"


# ------------------------------------------------------------------------------------------ workshop

def window_table(windows: dict[str, dict], lang: str) -> pd.DataFrame:
    """Plan windows (from ``model.window``) side by side: dates, calendar days, weekend days, weekday
    holidays (named) and make-up working days."""
    sep = "、" if lang == "zh-TW" else "; "
    return pd.DataFrame({
        t("plan.col_start", lang): list(windows),
        t("plan.col_window", lang): [f"{_nb(_d(w['first']))} – {_nb(_d(w['last']))}" for w in windows.values()],
        t("plan.col_calendar_days", lang): [w["calendar_days"] for w in windows.values()],
        t("plan.col_weekend_days", lang): [w["weekend_days"] for w in windows.values()],
        t("plan.col_weekday_holidays", lang): [
            sep.join(f"{d.isoformat()[5:]} {n}" for d, n in zip(w["holidays"]["date"], w["holidays"]["name"])) or "–"
            for w in windows.values()],
        t("plan.col_makeup_days", lang): [sep.join(d.isoformat() for d in w["makeup_days"]) or "–" for w in windows.values()],
    })


def talking_points(plan: Plan, summary: Summary, checkpoints: pd.DataFrame, lang: str) -> list[str]:
    """Three sentences for the workshop slide, with this market's plan numbers, in the report's language: the
    status of a saved plan, or for a preview what the 90 working days mean on the team's calendar."""
    from crossborder.chapters.plan.model import PHASES, window

    market, country = country_name(plan.market, lang), country_name(plan.team_country, lang)
    cps = checkpoints.sort_values(["due", "day"])
    if plan.source == "database":
        nxt = summary.next_checkpoint
        points = [
            t("plan.pt_db_status", lang, day=summary.plan_day, market=market, done=summary.done, n=summary.tasks,
              planned=summary.planned_done),
            t("plan.pt_db_rag", lang, red=summary.rag["red"], amber=summary.rag["amber"], green=summary.rag["green"],
              sv=f"{summary.sv_days:+.1f}"),
        ]
        if nxt is not None:
            points.append(t("plan.pt_db_next", lang, cp=nxt, due=_d(summary.next_due),
                            readiness=f"{checkpoints.at[nxt, 'readiness']:.0f}%"))
        else:
            points.append(t("plan.pt_db_no_next", lang, met=int((checkpoints["state"] == "met").sum()), n=len(checkpoints)))
        return points
    whole = window(plan, 1, PLAN_DAYS, lang)
    ends = [_d(window(plan, lo, hi, lang)["last"]) for lo, hi in PHASES.values()]
    names = list(dict.fromkeys(whole["holidays"]["name"]))
    shown = ("、" if lang == "zh-TW" else ", ").join(names[:4]) + ("…" if len(names) > 4 else "")
    return [
        t("plan.pt_preview_holidays" if names else "plan.pt_preview_no_holidays", lang, n=len(whole["holidays"]),
          country=country, names=shown, extra=whole["calendar_days"] - PLAN_DAYS),
        t("plan.pt_preview_phases", lang, p1=ends[0], p2=ends[1], p3=ends[2]),
        t("plan.pt_preview_checkpoints", lang, n=len(plan.tasks), k=len(cps), first=cps.index[0], first_due=_d(cps["due"].iloc[0]),
          last=cps.index[-1], last_due=_d(cps["due"].iloc[-1])),
    ]
