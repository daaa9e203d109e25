import pandas as pd
import pytest

from crossborder import overview, scenario
from crossborder.errors import InputError

# Every acronym and term of art the outline uses (the list and the outline's own abbreviations).
OUTLINE_TERMS = """B2B B2C LTV DMU SEO SEM MOQ API ERP Quote-to-Cash E-sign OA LC DP DA Incoterms S&OP WMS 3PL SLA QBR
JDM ODM PIM ECO ECN STEP MSDS UCP600 KYC KYB AR DSO VAT GST IOSS HS CE FCC RoHS REACH FDA CO FTA RCEP CPTPP GA4
GTM GSC CDP CRM EDM MQL SQL CAC OTD PMF SOP PoC""".split()


def test_glossary_covers_every_outline_term():
    g = overview.load_glossary()
    names = " | ".join(g["term"])
    missing = [term for term in OUTLINE_TERMS if term not in names]
    assert not missing, f"glossary lacks {missing}"
    assert g["section"].between(1, 10).all()
    assert (g["en"].str.len() > 20).all() and (g["zh_TW"].str.len() > 5).all()


def test_glossary_validation_names_the_row(tmp_path):
    bad = tmp_path / "glossary.csv"
    bad.write_text("term,en,zh_TW,section\nLC,Letter of credit.,信用狀。,11\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2 \(term 'LC'\), column 'section': expected a whole number from 1 to 10"):
        overview.load_glossary(bad)


def test_search_glossary_both_languages():
    g = overview.load_glossary()
    assert "LC" in set(overview.search_glossary(g, "letter of credit")["term"])
    assert "LC" in set(overview.search_glossary(g, "信用狀")["term"])
    assert (overview.search_glossary(g, "", section=7)["section"] == 7).all()
    assert overview.search_glossary(g, "zzzz-no-such-term").empty


def test_terms_chart_counts_come_from_the_data():
    g, s = overview.load_glossary(), overview.load_syllabus()
    fig = overview.terms_per_section_figure(g, s, "en")
    assert list(fig.data[0].x) == [int((g["section"] == k).sum()) for k in range(1, 11)]
    assert fig.layout.title.text.startswith("Terms of art")
    assert overview.terms_per_section_figure(g, s, "zh-TW").layout.title.text.startswith("大綱")


def test_panel_controls_recompute_the_chart_and_table():
    panel = overview.panel("en")
    chart = panel.figures["chart"]
    assert len(chart.data) == 1  # no filter: all terms only
    panel.controls["query"].value = "credit"
    assert len(chart.data) == 2
    hits = list(chart.data[1].x)
    assert 0 < sum(hits) < len(overview.load_glossary())
    assert "LC" in panel.panes["table"].value
    panel.controls["section"].value = 6
    assert list(chart.data[1].x) != hits and sum(chart.data[1].x) <= sum(hits)


def test_market_facts_and_headline_in_both_languages():
    scn = scenario.load("US")
    en, zh = overview.market_facts(scn, "en"), overview.market_facts(scn, "zh-TW")
    assert "FOB" in en.iloc[:, 1].tolist() and "美國 (US)" in zh.iloc[0, 1]
    text, figure, n = overview.headline(overview.load_glossary(), "zh-TW")
    assert str(n) in figure and "術語" in text
