"""The generated stories: every chapter's headline and talking points, for every example market in both languages,
read right. A sentence never says a risk "peaks at 0.0 %", counts "1 risks", drops the article of "the United
States", capitalises a metric's name mid-sentence, mixes the other language in, or calls a total duty "MFN".

Each chapter's inputs are built the way its notebook builds them, once per market (module-scoped fixture)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from crossborder import scenario
from crossborder.chapters import funnel, fx, landed, markets, overview, payments, plan, platforms, pricing, risk
from crossborder.core import i18n
from crossborder.core.i18n import LANGS, country_name, in_sentence

AS_OF = date(2026, 11, 29)
MARKETS = ["DE", "US", "JP", "VN", "MX", "IN"]
CHAPTERS = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"]


@pytest.fixture(autouse=True, scope="module")
def empty_user_folder(tmp_path_factory):
    """No user CSV or saved plan of the machine running the tests may change what is tested."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CROSSBORDER_HOME", str(tmp_path_factory.mktemp("user")))
        mp.setenv("CROSSBORDER_REPORTS", str(tmp_path_factory.mktemp("reports")))
        yield


@pytest.fixture(scope="module")
def shared():
    return {
        "glossary": overview.load_glossary(), "syllabus": overview.load_syllabus(),
        "channels": platforms.load_channels(), "products": pricing.load_products(),
        "incoterms": landed.load_incoterms(), "compliance": landed.load_compliance(),
        "funnel": funnel.load_data(), "register": risk.load_register(),
    }


def _lines(headline: tuple, points: list[str]) -> list[str]:
    return [headline[0], headline[1], *points]


def render(code: str, s: dict, as_of: date = AS_OF) -> dict[tuple[str, str], list[str]]:
    """Every chapter's headline, key figure and talking points for one market, by (chapter, language)."""
    scn = scenario.load(code)
    out: dict[tuple[str, str], list[str]] = {}
    plants = list(scn.exporter.origin_plants)
    mdata = markets.load_data(as_of=as_of, plants=plants)
    msettings = markets.settings_of(scn)
    plat = platforms.analyse(scn, s["channels"])
    book = pricing.book_for(scn, s["products"], as_of=as_of)
    model = pricing.focus_model(book, "")
    tiers, margin_risk = pricing.analyse(book, model)
    pbook = payments.load_book(scn.payments, as_of)
    fxa = fx.analyse(fx.inputs(scn, as_of))
    db = funnel.assess(scn, s["funnel"], as_of, channel="all", period=None,
                       model=funnel.lead_model(s["funnel"].leads, scn.funnel.model))
    ra = risk.assess(scn, s["register"], as_of)
    tracker = plan.view(scn, as_of)
    for lang in LANGS:
        ma = markets.analyse(mdata, msettings, plants, lang)
        out["00", lang] = _lines(overview.headline(s["glossary"], lang),
                                 overview.headline_points(s["glossary"], s["syllabus"], scn, lang, as_of))
        out["01", lang] = _lines(markets.headline(ma, scn, lang), markets.headline_points(ma, mdata, scn, lang))
        out["02", lang] = _lines(platforms.headline(plat, lang), platforms.headline_points(plat, lang))
        out["03", lang] = _lines(pricing.headline(book, model, tiers, margin_risk, lang),
                                 pricing.headline_points(book, model, tiers, margin_risk, lang))
        out["04", lang] = _lines(payments.chapter_headline(pbook, scn, lang), payments.headline_points(pbook, scn, lang))
        out["05", lang] = _lines(fx.headline(fxa, lang), fx.talking_points(fxa, lang))
        kw = dict(incoterms=s["incoterms"], compliance=s["compliance"])
        out["06", lang] = _lines(landed.headline(scn, lang, as_of, **kw), landed.talking_points(scn, lang, as_of, **kw))
        out["07", lang] = _lines(funnel.headline(db, lang), funnel.headline_points(db, lang))
        out["08", lang] = _lines(risk.headline(ra, lang), risk.talking_points(ra, lang))
        out["09", lang] = _lines(tracker.headline(lang), tracker.points(lang))
    return out


_CACHE: dict[str, dict] = {}


@pytest.fixture(scope="module")
def stories(shared):
    def get(code: str) -> dict[tuple[str, str], list[str]]:
        if code not in _CACHE:
            _CACHE[code] = render(code, shared)
        return _CACHE[code]
    return get


# ------------------------------------------------------------------------------------------------- the rules

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
ZERO_PEAK = re.compile(r"\b0\.0 ?%")
EN_PLURAL_AFTER_0_1 = re.compile(r"(?<![\d.,])\b[01] (?!of\b)(\w+s)\b"
                                 r"|(?<![\d.,])\b[01] (trade agreements|business reviews|public holidays|calendar days|working days)\b"
                                 r"|\w\(s\)")
SENTENCE_START = re.compile(r"(^|[.!?]\s+)$")
# Words a Chinese sentence may carry: codes and units in capitals (USD, KPI, BS1605-C7-0500, CFaR95 ...), brand
# and platform names, and the PMF framework's three calls, glossed after their Chinese.
ZH_ALLOWED = {"CFaR", "CFaR95", "LinkedIn", "Alibaba", "com", "Made", "in", "China", "Global", "Sources", "Thomasnet",
              "Tradewheel", "TradeWheel", "ChemNet", "LookChem", "Tridge", "Go", "Stop", "Iterate"}
ZH_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def problems(text: str, lang: str, labels: list[str]) -> list[str]:
    """What is wrong with one generated sentence (empty if nothing)."""
    found = []
    if ZERO_PEAK.search(text) and re.search(r"peak|risk|風險|最高", text, re.I):
        found.append("a risk that peaks at 0.0 %: say there is none")
    if lang == "en":
        if CJK.search(text):
            found.append("Chinese characters in English")
        for m in EN_PLURAL_AFTER_0_1.finditer(text):
            found.append(f"plural after 0 or 1: {m.group(0)!r}")
        for code in sorted(i18n._THE):
            name = country_name(code, "en")
            for m in re.finditer(rf"\b{re.escape(name)}\b", text):
                if not re.search(r"\b[Tt]he $", text[:m.start()]):
                    found.append(f"{name} without its article")
        for label in labels:
            lower = in_sentence(label, "en")
            if lower == label:
                continue
            for m in re.finditer(re.escape(label), text):
                if not SENTENCE_START.search(text[:m.start()]):
                    found.append(f"capitalised {label!r} mid-sentence")
        for m in re.finditer(r"MFN", text):
            around = text[max(0, m.start() - 30):m.end() + 12]
            if not re.search(r"MFN( rate)? \d|MFN rate|\d%? (duty )?\(MFN\)", around):
                found.append(f"MFN not next to an MFN rate: {around!r}")
    else:
        words = {w for w in ZH_WORD.findall(text) if not re.fullmatch(r"[A-Z0-9]+[A-Za-z0-9]*", w) or w.islower()}
        words = {w for w in words if not re.fullmatch(r"[A-Z][A-Z0-9]*", w)} - ZH_ALLOWED
        if words:
            found.append(f"English words in Chinese: {sorted(words)}")
        if re.search(r"\b0 項風險", text):
            found.append("zero said as a count")
    return found


def metric_labels(shared) -> list[str]:
    """English labels of metrics, criteria, instruments and strategies that the stories may name mid-sentence."""
    labels = list(shared["funnel"].kpis["name_en"])
    labels += [i18n.t(k, "en") for k in i18n.catalogue()
               if re.match(r"(markets\.criterion_|payments\.inst_|fx\.strategy_|funnel\.channel_own|risk\.owner_)", k)]
    mdata = markets.load_data(as_of=AS_OF, plants=["TW"])
    labels += [str(x) for x in mdata.criteria["label_en"]]
    labels += [str(x) for x in shared["channels"].loc[shared["channels"]["kind"] == "own", "name_en"]]
    return sorted(set(labels), key=len, reverse=True)


@pytest.mark.parametrize("code", MARKETS)
def test_every_story_reads_right_in_both_languages(stories, shared, code):
    labels = metric_labels(shared)
    bad = []
    for (chapter, lang), lines in sorted(stories(code).items()):
        for line in lines:
            bad += [f"{code} {chapter} {lang}: {p}\n    {line}" for p in problems(line, lang, labels)]
    assert not bad, "\n".join(bad)


def test_the_rules_catch_what_they_are_for():
    """Each rule fires on the sentence it was written against (the stories as they read before the fix)."""
    assert problems("the risk of ending below the 22% floor peaks at 0.0% (tier 10–49).", "en", [])
    assert problems("跌破 22% 底線的機率最高為 0.0%（級距 10–49）。", "zh-TW", [])
    assert problems("0 risks stay high or critical", "en", [])
    assert problems("1 risks stay high or critical", "en", [])
    assert not problems("2 risks stay high or critical; 1 of 21 KPIs is red; 2.0 times", "en", [])
    assert problems("1 trade agreements in force", "en", [])
    assert problems("6 review(s) overdue", "en", [])
    assert problems("Mitigation cuts the expected yearly loss in United States", "en", [])
    assert not problems("The United States: goods made in Taiwan", "en", [])
    assert problems("the next to turn red is Form conversion, 1.4% from its red line", "en", ["Form conversion"])
    assert not problems("Form conversion is 1.4% from its red line", "en", ["Form conversion"])
    assert problems("pay 23.8% duty (MFN)", "en", []) == []            # the rate rule is checked below with the data
    assert problems("goods pay duty, MFN plus extras", "en", [])
    assert problems("依越南行事曆（New Year's Day、Lunar New Year's Eve）", "zh-TW", [])
    assert problems("仍有 0 項風險為高或極高", "zh-TW", [])
    assert problems("德國：Tier B", "en", [])


def test_total_duty_with_additional_duties_is_not_called_mfn(shared):
    """On a date the US additional duties were in force, the duty a market's goods pay is MFN plus those duties:
    the talking point says both, never the total labelled MFN."""
    on = date(2025, 9, 1)
    scn = scenario.load("US")
    plants = list(scn.exporter.origin_plants)
    data = markets.load_data(as_of=on, plants=plants)
    settings = markets.settings_of(scn)
    a = markets.analyse(data, settings, plants, "en")
    tr = a.tariffs.loc["US"]
    assert tr["additional"] > 0 and tr["regime"] == "MFN"
    for lang in LANGS:
        point = markets.headline_points(markets.analyse(data, settings, plants, lang), data, scn, lang)[-1]
        total, mfn, extra = f"{tr['duty']:.1f}%", f"{tr['rate']:.1f}%", f"{tr['additional']:.1f}%"
        assert total in point and mfn in point and extra in point, point
        assert f"{total}（MFN）" not in point and f"{total} duty (MFN)" not in point


# ------------------------------------------------------------------------------- chapter 09 on its first day

def test_plan_on_its_start_date_shows_the_baseline_and_says_nothing_is_due(monkeypatch, tmp_path):
    """A plan saved to start on the report date: the burn-up still draws the baseline (planned curve), the
    checkpoints keep their dates, and the headline, points and both charts say that nothing is due yet."""
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path / "home"))
    start = date(2026, 11, 30)                       # a Monday: plan day 1 is the report date
    plan.init_plan("DE", start.isoformat(), by="Mei")
    scn = scenario.load("DE")
    v = plan.view(scn, start)
    assert v.plan.source == "database" and v.summary.plan_day == 1 and v.summary.planned_done == 0
    # the baseline, independently: the planned curve reaches every deliverable at the latest baseline end
    ends = pd.to_datetime(v.plan.tasks["baseline_end"])
    assert v.burnup["planned"].iloc[-1] == len(v.plan.tasks) and v.burnup["planned"].is_monotonic_increasing
    first_cp = v.plan.checkpoints.sort_values(["due", "day"]).iloc[0]
    words = {"en": "nothing is due yet", "zh-TW": "尚無到期項目"}
    for lang in LANGS:
        text, *_ = v.headline(lang)
        points = v.points(lang)
        assert words[lang] in text.lower()
        assert ends.min().date().isoformat() in text and ends.max().date().isoformat() in text
        assert pd.Timestamp(first_cp["due"]).date().isoformat() in text
        assert words[lang] in points[0].lower() and len(points) == 3
        assert pd.Timestamp(first_cp["due"]).date().isoformat() in points[2]      # the checkpoints' dates
        burn = plan.burnup_figure(v.plan, v.burnup, start, lang)
        planned = next(tr for tr in burn.data if tr.name == i18n.t("plan.burnup_planned", lang))
        assert max(planned.y) == len(v.plan.tasks)                               # the baseline is drawn
        notes = " ".join(a.text for a in burn.layout.annotations)
        assert ends.min().date().isoformat() in notes
        cps = plan.checkpoints_figure(v.plan, v.checkpoints, start, lang)
        assert sum(len(tr.x) for tr in cps.data if tr.x is not None and tr.name != "") >= len(v.plan.checkpoints)
        assert first_cp.name in " ".join(a.text for a in cps.layout.annotations)
    # a day after the first deliverable's baseline end the ordinary status story returns
    later = plan.view(scn, ends.min().date())
    assert "nothing is due" not in later.headline("en")[0]


# ------------------------------------------------------------------------------- teaching asides stay out of reports

TEACHING = re.compile(r"工作坊|教學大綱|大綱\s*第\s*\d+\s*[章節構]|\bworkshops?\b|\bteaching\s+outline\b|"
                      r"\bsection\s+\d+\s+of\s+the\s+(teaching\s+)?outline\b|\boutline\s+section\b|\bopens\s+the\s+workshop\b",
                      re.I)


def test_no_report_kept_markdown_cell_carries_a_teaching_aside():
    """A client report keeps the analysis, not the workshop's asides ("本章是工作坊的開場", "教學大綱第 3 節",
    "Section 6 of the outline asks"): cells with them are tagged remove-report, or say the same without them.
    The cells are filtered exactly as the report filters them."""
    import json

    from crossborder.core.paths import NOTEBOOKS_DIR
    from crossborder.core.registry import chapters
    from crossborder.notebook import tags

    found = []
    for ch in chapters():
        nb = json.loads((NOTEBOOKS_DIR / ch.notebook).read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "markdown":
                continue
            src = "".join(cell["source"])
            for lang in LANGS:
                if tags.keep(cell, lang=lang, drop=tags.REPORT_DROP) and (m := TEACHING.search(src)):
                    found.append(f"{ch.notebook} cell {i} ({lang}): ...{src[max(0, m.start() - 40):m.end() + 40]!r}...")
    assert not found, "\n".join(sorted(set(found)))


def test_the_teaching_rule_catches_the_phrases_it_is_for():
    for text in ("本章是工作坊的開場", "教學大綱第 3 節問", "大綱第 9 章把 KPI 分成三層", "This chapter opens the workshop",
                 "outline section 4", "Section 6 of the\noutline asks", "In a workshop this is the hour"):
        assert TEACHING.search(text), text
    assert not TEACHING.search("下表收錄每一個縮寫與專業術語") and not TEACHING.search("The answer is a 90-day plan")
