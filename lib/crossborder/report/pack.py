"""The pilot pack: the pilot markets side by side, then each market's report as a part, one PDF per language.

``crossborder pack DE JP US --lang zh-TW,en`` renders (or reuses, through the chapter cache) every market's
report, then writes ``reports/pack/<as-of>/pilot-pack-<lang>.pdf``: a cover; a comparison of the markets (the
business case's decision, NPV distributions on one axis, peak cash, payback, the drivers that matter most, the
recommended order of entry and why); contents with page numbers; and each market's report as a part, with
bookmarks. A market that fails is named on the cover and the command exits 1; the other markets are still packed.
The PDF is replaced atomically.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from plotly.offline import get_plotlyjs

from crossborder.core import registry
from crossborder.core.fileio import atomic_write_bytes, atomic_write_text
from crossborder.core.fmt import money, percent
from crossborder.core.i18n import country_name, t
from crossborder.report.build import Job, Outcome, render
from crossborder.report.html import CHARTS_JS, CSS_FILE, _env, _plotly_html, csp
from crossborder.report.pdf import Browser, PrintError

DECISION_ORDER = {"go": 0, "iterate": 1, "stop": 2}


@dataclass
class PackOutcome:
    lang: str
    pdf: Path | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.pdf is not None and not self.failures


def pack_dir(out_root: Path, as_of: date) -> Path:
    return out_root / "pack" / as_of.isoformat()


def _decision(out_root: Path, code: str, lang: str) -> dict | None:
    path = out_root / code / f"executed-{lang}" / f"{registry.by_package('business_case').id}.decision.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def entry_order(decisions: dict[str, dict]) -> list[str]:
    """Markets in the recommended order of entry: by decision (go, iterate, stop), then the chance the NPV is
    positive, then the median NPV."""
    return sorted(decisions, key=lambda c: (DECISION_ORDER.get(decisions[c].get("decision", "stop"), 3),
                                            -float(decisions[c].get("p_npv_pos", 0.0)),
                                            -float(decisions[c].get("npv_p50", 0.0))))


def _why(code: str, d: dict, lang: str) -> str:
    cur = d.get("currency", "TWD")
    top = d.get("drivers", [])
    driver = top[0]["label"] if top else "–"
    return t("pack.why", lang, market=country_name(code, lang), decision=d.get("decision_text", ""),
             p=percent(d.get("p_npv_pos"), lang, 0), npv=money(d.get("npv_p50"), cur, lang),
             peak=money(d.get("peak_cash"), cur, lang), driver=driver)


def _npv_figure(decisions: dict[str, dict], order: list[str], lang: str) -> dict:
    """Box-and-whisker of each market's NPV (P5, P25, P50, P75, P95 from the business case's percentiles) on one
    axis, as plotly JSON for the embedded plotly.js."""
    data = []
    for code in order:
        q = decisions[code].get("npv_percentiles") or []
        if len(q) != 19:
            continue
        name = country_name(code, lang)
        data.append({"type": "box", "name": name, "y": [name], "orientation": "h",
                     "q1": [q[4] / 1e6], "median": [q[9] / 1e6], "q3": [q[14] / 1e6],
                     "lowerfence": [q[0] / 1e6], "upperfence": [q[18] / 1e6], "marker": {"color": "#0072B2"}})
    cur = next(iter(decisions.values())).get("currency", "TWD") if decisions else "TWD"
    layout = {"width": 660, "height": 120 + 60 * len(data), "showlegend": False,
              "font": {"family": "Noto Sans CJK TC, sans-serif", "size": 13},
              "margin": {"l": 110, "r": 20, "t": 50, "b": 50},
              "title": {"text": t("pack.npv_chart", lang, cur=cur)},
              "xaxis": {"title": {"text": t("pack.npv_axis", lang, cur=cur)}, "zeroline": True,
                        "zerolinecolor": "#D55E00", "zerolinewidth": 2},
              "yaxis": {"autorange": "reversed"}}
    return {"data": data, "layout": layout}


def comparison_html(codes: list[str], decisions: dict[str, dict], failed: dict[str, str], lang: str,
                    as_of: date, parts: Sequence[tuple[str, int | None]]) -> str:
    """The pack's front matter: cover, comparison, order of entry, contents (``parts``: title, first page)."""
    order = entry_order(decisions)
    rows = []
    for code in order:
        d = decisions[code]
        cur = d.get("currency", "TWD")
        payback = d.get("payback_month")
        rows.append({
            "market": country_name(code, lang), "decision": d.get("decision", ""), "decision_text": d.get("decision_text", ""),
            "npv": f"{money(d.get('npv_p50'), cur, lang)} ({money(d.get('npv_p10'), cur, lang)} – {money(d.get('npv_p90'), cur, lang)})",
            "p": percent(d.get("p_npv_pos"), lang, 0), "peak": money(d.get("peak_cash"), cur, lang),
            "payback": t("report.payback_month", lang, n=payback) if payback else t("report.payback_none", lang),
            "drivers": "; ".join(f"{x['label']} ({t('pack.chapter', lang)} {x['chapter']})" for x in d.get("drivers", [])[:2]),
            "why": _why(code, d, lang),
        })
    figure = _npv_figure(decisions, order, lang)
    plotlyjs, charts_js = get_plotlyjs(), CHARTS_JS.read_text(encoding="utf-8")
    return _env().get_template("pack.html.j2").render(
        lang=lang, as_of=as_of.isoformat(), t=lambda key, **kw: t(f"pack.{key}", lang, **kw),
        markets=[country_name(c, lang) for c in codes], rows=rows,
        chart=_plotly_html(figure, "pack-npv") if figure["data"] else "",
        failed=[(country_name(c, lang), why) for c, why in failed.items()], parts=parts,
        css=CSS_FILE.read_text(encoding="utf-8"), plotlyjs=plotlyjs, charts_js=charts_js,
        csp=csp([plotlyjs, charts_js]))


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def assemble(browser: Browser, codes: list[str], outcomes: dict[str, Outcome], lang: str, as_of: date,
             out_root: Path) -> PackOutcome:
    """One language's pack from the markets' rendered PDFs (front matter printed twice: page numbers)."""
    from pypdf import PdfReader, PdfWriter

    result = PackOutcome(lang)
    ok = [c for c in codes if outcomes[c].ok and _decision(out_root, c, lang) is not None]
    failed = {c: "; ".join(outcomes[c].failures) or t("pack.no_decision", lang) for c in codes if c not in ok}
    decisions = {c: _decision(out_root, c, lang) or {} for c in ok}
    folder = pack_dir(out_root, as_of)
    folder.mkdir(parents=True, exist_ok=True)
    html_file = folder / f".pilot-pack-{lang}.html"
    titles = [t("pack.part", lang, market=country_name(c, lang)) for c in ok]
    try:
        atomic_write_text(html_file, comparison_html(codes, decisions, failed, lang, as_of, [(x, None) for x in titles]))
        front = browser.render_pdf(html_file)
        page = _pages(front) + 1
        parts = []
        for code, title in zip(ok, titles):
            parts.append((title, page))
            page += len(PdfReader(str(outcomes[code].pdf)).pages)
        atomic_write_text(html_file, comparison_html(codes, decisions, failed, lang, as_of, parts))
        front = browser.render_pdf(html_file)
    except PrintError as exc:
        result.failures.append(f"PDF: {exc}")
        return result
    writer = PdfWriter()
    writer.append(io.BytesIO(front), outline_item=t("pack.front", lang))
    for code, title in zip(ok, titles):
        writer.append(str(outcomes[code].pdf), outline_item=title)
    buffer = io.BytesIO()
    writer.write(buffer)
    target = folder / f"pilot-pack-{lang}.pdf"
    atomic_write_bytes(target, buffer.getvalue())
    result.pdf = target
    result.failures = [f"{c}: {why}" for c, why in failed.items()]
    return result


def build_pack(jobs: list[Job], workers: int, as_of: date, out_root: Path) -> tuple[list[Outcome], list[PackOutcome]]:
    """Render (or reuse) every market's report, then assemble one pack per language."""
    outcomes = render(jobs, workers=workers)
    codes = [j.code for j in jobs]
    langs = list(jobs[0].langs) if jobs else []
    packs = []
    with Browser() as browser:
        for lang in langs:
            by_code = {o.code: o for o in outcomes if o.lang == lang}
            packs.append(assemble(browser, codes, by_code, lang, as_of, out_root))
    return outcomes, packs
