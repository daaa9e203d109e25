"""Display tables and generated texts (Markdown) for the platform chapter, in the workbook's number style."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from crossborder.core import fmt
from crossborder.core.i18n import country_in_text, in_sentence, t

from .data import CURRENCY
from .model import CRITERIA, PAYBACK_HORIZON, YEAR, Analysis, budget_for_return

PAYBACK_SHOWN = PAYBACK_HORIZON  # months; a longer payback is shown as "over 10 years" (a number that size means nothing)


# ------------------------------------------------------------------------------------------ formatting

_CJK = "\u4e00-\u9fff"


def spaced(text: str, lang: str) -> str:
    """Taiwan typesetting for generated Chinese: a space where Chinese meets a Latin word or a number, none
    after full-width closing punctuation. English is returned as is."""
    if lang != "zh-TW":
        return text
    text = re.sub(f"([{_CJK}])([A-Za-z0-9])", r"\1 \2", text)
    text = re.sub(f"([A-Za-z0-9%])([{_CJK}])", r"\1 \2", text)
    return re.sub(r"([）」])[ ]+", r"\1", text)


def payback_text(months: float, lang: str, beyond: bool = False) -> str:
    """Payback in months, 'over 10 years' when ``beyond`` the horizon, or 'never pays back' in words (never
    an infinity)."""
    if beyond:
        return t("platforms.over_years", lang, n=PAYBACK_SHOWN // YEAR)
    if months is None or not np.isfinite(months):
        return t("platforms.never_pays_back", lang)
    if months > PAYBACK_SHOWN:
        return t("platforms.over_years", lang, n=PAYBACK_SHOWN // YEAR)
    return t("platforms.months_value", lang, n=fmt.number(months, lang, 1))


def _kind(kind: str, lang: str, short: bool = False) -> str:
    return t(f"platforms.kind_{kind}{'_short' if short else ''}", lang)


# --------------------------------------------------------------------------------------------- tables

def channel_table(channels: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The data's cost structure per channel, as a display table."""
    name = "name_zh_TW" if lang == "zh-TW" else "name_en"
    return pd.DataFrame({
        t("platforms.col_channel", lang): channels[name].to_numpy(),
        t("platforms.col_kind", lang): [_kind(k, lang, short=True) for k in channels["kind"]],
        t("platforms.col_focus", lang): [t(f"platforms.focus_{f}", lang) for f in channels["focus"]],
        t("platforms.col_setup", lang): [fmt.number(v, lang) for v in channels["setup"]],
        t("platforms.col_membership", lang): [fmt.number(v, lang) for v in channels["membership_per_year"]],
        t("platforms.col_ads", lang): [fmt.number(v, lang) for v in channels["ads_per_month"]],
        t("platforms.col_commission", lang): [fmt.percent(v, lang, 0) for v in channels["commission"]],
        t("platforms.col_other", lang): [fmt.number(v, lang) for v in channels["other_per_year"]],
    })


def cost_table(a: Analysis, lang: str) -> pd.DataFrame:
    """First-year cost figures per channel, best cost per PO first."""
    e = a.economics.loc[_by_cost(a)]
    return pd.DataFrame({
        t("platforms.col_channel", lang): [a.name(c, lang) for c in e.index],
        t("platforms.col_spend_y1", lang): [fmt.number(v, lang) for v in e["cost_y1"]],
        t("platforms.col_cost_per_lead", lang): [fmt.number(v, lang) for v in e["cost_per_lead"]],
        t("platforms.col_cost_per_po", lang): [fmt.number(v, lang) for v in e["cost_per_po"]],
        t("platforms.col_cac", lang): [fmt.number(v, lang) for v in e["cac"]],
        t("platforms.col_payback", lang): [payback_text(v, lang, b) for v, b in zip(e["payback_months"], e["payback_beyond"])],
        t("platforms.col_breakeven_orders", lang): [
            fmt.number(v, lang) if np.isfinite(v) else t("platforms.never", lang) for v in e["breakeven_orders"]],
        t("platforms.col_breakeven_month", lang): [
            fmt.number(v, lang) if np.isfinite(v) else t("platforms.beyond_horizon", lang, n=a.section.horizon_months)
            for v in e["breakeven_month"]],
        t("platforms.col_roi", lang): [fmt.percent(v, lang, 0, signed=True) for v in e["roi_y1"]],
    })


def selection_table(a: Analysis, lang: str) -> pd.DataFrame:
    """Criteria scores, weighted score, rank and the probability of beating the baseline, best first."""
    s = a.selection.sort_values("rank")
    w = a.section.weights.normalised()
    crit = {c: f"{t(f'platforms.crit_{c}', lang)} ({fmt.percent(w[i], lang, 0)})"
            for i, c in enumerate(CRITERIA)}
    table = pd.DataFrame({
        t("platforms.col_rank", lang): s["rank"].to_numpy(),
        t("platforms.col_channel", lang): [a.name(c, lang) for c in s.index],
        **{crit[c]: [fmt.number(v, lang) for v in s[c]] for c in CRITERIA},
        t("platforms.col_score", lang): [fmt.number(v, lang) for v in s["score"]],
        spaced(t("platforms.col_p_beat", lang, baseline=a.name(a.section.baseline, lang)), lang): [
            t("platforms.is_baseline", lang) if c == a.section.baseline else fmt.percent(v, lang, 0)
            for c, v in s["p_beat"].items()],
    })
    return table


def mix_table(a: Analysis, lang: str) -> pd.DataFrame:
    """The optimal split: spend, share, qualified inquiries, customers, gross profit, marginal return."""
    m = a.mix.sort_values("spend", ascending=False, kind="stable")
    marginal_key = "col_marginal_leads" if a.section.objective == "leads" else "col_marginal_profit"
    return pd.DataFrame({
        t("platforms.col_channel", lang): [a.name(c, lang) for c in m.index],
        t("platforms.col_mix_spend", lang): [fmt.number(v, lang) for v in m["spend"]],
        t("platforms.col_share", lang): [fmt.percent(v, lang, 0) for v in m["share"]],
        t("platforms.col_equal_spend", lang): [fmt.number(v, lang) for v in m["equal_spend"]],
        t("platforms.col_bounds", lang): [f"{fmt.number(lo, lang)}–{fmt.number(hi, lang)}"
                                          for lo, hi in zip(m["spend_min"], m["spend_max"])],
        t("platforms.col_leads", lang): [fmt.number(v, lang, 1) for v in m["leads"]],
        t("platforms.col_customers", lang): [fmt.number(v, lang, 1) for v in m["customers"]],
        t("platforms.col_gross_profit", lang): [fmt.number(v, lang) for v in m["gross_profit"]],
        t(f"platforms.{marginal_key}", lang): [fmt.number(v, lang, 2 if a.section.objective == "leads" else 0)
                                               for v in m["marginal_per_1000"]],
    })


def _by_cost(a: Analysis) -> list[str]:
    cpp = a.economics["cost_per_po"].to_numpy(float)
    key = np.where(np.isfinite(cpp), cpp, np.inf)
    lead = a.economics["cost_per_lead"].to_numpy(float)
    order = np.lexsort((np.where(np.isfinite(lead), lead, np.inf), key))
    return list(a.economics.index[order])


# ------------------------------------------------------------------------------------------------ texts

def worked_example(a: Analysis, lang: str, channel: str | None = None) -> str:
    """The arithmetic behind one channel's first-year figures, step by step (Markdown)."""
    c = channel or a.shortlist[0]
    r, e = a.inputs.loc[c], a.economics.loc[c]
    usd = {k: fmt.money(v, CURRENCY, lang) for k, v in (
        ("setup", r["setup"]), ("membership", r["membership_per_year"]), ("ads", r["ads_per_month"]),
        ("other", r["other_per_year"]), ("spend", e["spend"]), ("per_lead", e["cost_per_lead"]), ("cac", e["cac"]),
        ("order_value", r["order_value"]), ("per_po", e["cost_per_po"]), ("monthly", e["monthly_margin"]))}
    f = dict(
        channel=a.name(c, lang), **usd,
        inquiries=f"{r['inquiries_per_month']:g}", reach=f"{r['reach']:g}", spam=fmt.percent(r["spam_share"], lang, 0),
        qualified=fmt.percent(r["qualified_share"], lang, 0), q=fmt.number(e["qualified_per_month"], lang, 2),
        ramp=f"{r['ramp_months']:g}", leads=fmt.number(e["leads"], lang, 1),
        conversion=fmt.percent(r["conversion"], lang, 1), customers=fmt.number(e["customers"], lang, 2),
        commission=fmt.percent(r["commission"], lang, 0), margin=fmt.percent(a.section.gross_margin, lang, 0),
        orders=f"{r['orders_per_year']:g}", payback=payback_text(e["payback_months"], lang, e["payback_beyond"]),
    )
    steps = ["we_spend", "we_leads", "we_cac", "we_per_po", "we_payback"]
    return spaced(t("platforms.we_intro", lang, **f) + "\n\n" + "\n".join(
        f"{i}. {t(f'platforms.{s}', lang, **f)}" for i, s in enumerate(steps, 1)), lang)


def kept_because(a: Analysis, channel: str, lang: str) -> str:
    """Why a recommended channel with a negative first-year return is kept (with a leading space), else ''.
    It breaks even within the horizon; or its customers pay back their CAC; or only its reach and fit."""
    e = a.economics.loc[channel]
    if not e["roi_y1"] < 0:
        return ""
    h = a.section.horizon_months
    if np.isfinite(e["breakeven_month"]) and e["breakeven_month"] <= h:
        why = t("platforms.rec_kept_breakeven", lang, month=int(e["breakeven_month"]), horizon=h)
    elif e["pays_back"] or e["payback_beyond"]:
        why = t("platforms.rec_kept_payback", lang, horizon=h,
                payback=payback_text(e["payback_months"], lang, e["payback_beyond"]))
    else:
        why = t("platforms.rec_kept_reach", lang, score=fmt.number(a.selection.at[channel, "score"], lang))
    return why if lang == "zh-TW" else " " + why


def recommendation(a: Analysis, lang: str) -> str:
    """The report chapter's conclusion for the market: shortlist, budget mix and what to avoid (Markdown)."""
    market = country_in_text(a.market, lang)
    base = a.name(a.section.baseline, lang)
    sel, eco = a.selection, a.economics
    lines = [t("platforms.rec_intro", lang, market=market, n=len(a.shortlist),
               channels="、".join(a.name(c, lang) for c in a.shortlist) if lang == "zh-TW"
               else ", ".join(a.name(c, lang) for c in a.shortlist)), ""]
    for c in a.shortlist:
        p = sel.at[c, "p_beat"]
        beat = (t("platforms.rec_is_baseline", lang) if c == a.section.baseline
                else t("platforms.rec_beat", lang, p=fmt.percent(p, lang, 0), baseline=base,
                       draws=fmt.number(a.section.monte_carlo.draws, lang)))
        lines.append("- " + t("platforms.rec_channel", lang, channel=a.name(c, lang),
                              score=fmt.number(sel.at[c, "score"], lang),
                              per_po=fmt.money(eco.at[c, "cost_per_po"], CURRENCY, lang),
                              payback=payback_text(eco.at[c, "payback_months"], lang, eco.at[c, "payback_beyond"]),
                              roi=fmt.percent(eco.at[c, "roi_y1"], lang, 0, signed=True), beat=beat)
                     + kept_because(a, c, lang))
    tot, m = a.mix_totals, a.mix.sort_values("spend", ascending=False, kind="stable")
    share = "{}（{}）" if lang == "zh-TW" else "{} ({})"
    parts = [f"{a.name(c, lang)} " + share.format(fmt.money(v, CURRENCY, lang), fmt.percent(s, lang, 0))
             for c, v, s in zip(m.index, m["spend"], m["share"]) if v > 0.5]
    sep = "、" if lang == "zh-TW" else ", "
    gain_base = tot["equal_objective_value"]
    gain = (tot["objective_value"] / gain_base - 1) if gain_base > 0 else np.nan
    lines += ["", t("platforms.rec_mix", lang, budget=fmt.money(tot["budget"], CURRENCY, lang),
                     objective=t(f"platforms.objective_{a.section.objective}", lang), parts=sep.join(parts),
                     leads=fmt.number(tot["leads"], lang), profit=fmt.money(tot["gross_profit"], CURRENCY, lang),
                     gain=fmt.percent(gain, lang, 0, signed=True))]
    if tot["unspent"] > 0.5:
        lines.append(t("platforms.rec_unspent", lang, unspent=fmt.money(tot["unspent"], CURRENCY, lang)))
    if not np.isfinite(eco.loc[a.shortlist, "breakeven_month"].to_numpy(float)).any():
        lines += ["", t("platforms.rec_no_breakeven", lang, n=a.section.horizon_months)]
    never = [c for c in a.inputs.index if not eco.at[c, "pays_back"] and not eco.at[c, "payback_beyond"]]
    if never:
        lines += ["", t("platforms.rec_never", lang, channels=sep.join(a.name(c, lang) for c in never))]
    return spaced("\n".join(lines), lang)


def html_table(table: pd.DataFrame) -> str:
    """A display table as the HTML the panel shows (header row, escaped cells, the workbook's table class)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False, name=None))
    return f"<table class='cb-table'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def markdown_html(text: str) -> str:
    """The little Markdown the chapter's texts use (paragraphs, "- " lists, numbered lists, **bold**) as HTML,
    for the live panel (a report shows the Markdown itself)."""
    out, items, tag = [], [], ""

    def close() -> None:
        nonlocal items, tag
        if items:
            out.append(f"<{tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{tag}>")
        items, tag = [], ""

    for line in text.splitlines():
        body = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(line.strip()))
        numbered = re.match(r"\d+\.\s+(.*)", body)
        if body.startswith("- ") or numbered:
            kind = "ol" if numbered else "ul"
            if tag and tag != kind:
                close()
            tag = kind
            items.append(numbered.group(1) if numbered else body[2:])
        else:
            close()
            if body:
                out.append(f"<p>{body}</p>")
    close()
    return "".join(out)


def _named(a: Analysis, channel: str, lang: str) -> str:
    """A channel's name inside a sentence: "own website (SEO)", but "LinkedIn" (a platform's name keeps its capital)."""
    name = a.name(channel, lang)
    return in_sentence(name, lang) if a.inputs.at[channel, "kind"] == "own" else name


def headline(a: Analysis, lang: str) -> tuple[str, str, float]:
    """The chapter's headline sentence, its key figure (lowest cost per PO) and that number."""
    best = _by_cost(a)[0]
    value = float(a.economics.at[best, "cost_per_po"])
    sep = "、" if lang == "zh-TW" else ", "
    text = t("platforms.headline", lang, market=country_in_text(a.market, lang),
             channels=sep.join(_named(a, c, lang) for c in a.shortlist), best=_named(a, best, lang),
             budget=fmt.money(a.mix_totals["budget"], CURRENCY, lang), leads=fmt.number(a.mix_totals["leads"], lang))
    key = t("platforms.headline_figure", lang, value=fmt.money(value, CURRENCY, lang))
    return spaced(text, lang), key, value


def headline_points(a: Analysis, lang: str) -> list[str]:
    """Talking points for the workshop deck with the market's numbers, adding to the headline: the cheapest
    order against the own site, the top channel's score and its chance to beat the own site, and the budget
    up to which USD 1,000 more still earns USD 1,000 of gross profit in a year (else the mix's totals)."""
    best = _by_cost(a)[0]
    base = a.section.baseline
    top = a.shortlist[0]
    tot = a.mix_totals
    gain = tot["objective_value"] / tot["equal_objective_value"] - 1 if tot["equal_objective_value"] > 0 else np.nan
    points = [
        t("platforms.point_cost", lang, market=country_in_text(a.market, lang), best=_named(a, best, lang),
          cpp=fmt.money(float(a.economics.at[best, "cost_per_po"]), CURRENCY, lang), baseline=_named(a, base, lang),
          base_cpp=fmt.money(float(a.economics.at[base, "cost_per_po"]), CURRENCY, lang)),
    ]
    if top != base:
        points.append(t("platforms.point_top", lang, channel=_named(a, top, lang),
                        score=fmt.number(a.selection.at[top, "score"], lang),
                        p=fmt.percent(a.selection.at[top, "p_beat"], lang, 0), baseline=_named(a, base, lang),
                        draws=fmt.number(a.section.monte_carlo.draws, lang)))
    br = budget_for_return(a)
    if br.status == "interior":
        points.append(t("platforms.point_budget", lang, budget=fmt.money(round(br.budget, -3), CURRENCY, lang),
                        current=fmt.money(br.current, CURRENCY, lang)))
    else:
        points.append(t("platforms.point_mix", lang, budget=fmt.money(tot["budget"], CURRENCY, lang),
                        leads=fmt.number(tot["leads"], lang), profit=fmt.money(tot["gross_profit"], CURRENCY, lang),
                        gain=fmt.percent(gain, lang, 0, signed=True)))
    return [spaced(p[:1].upper() + p[1:] if lang == "en" else p, lang) for p in points]
