from datetime import date

import pytest

from crossborder import scenario
from crossborder.chapters import overview
from crossborder.core import facts, registry
from crossborder.core.errors import InputError

REPORT_DAY = date(2026, 11, 29)

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


def test_syllabus_sections_map_to_chapters_from_the_registry():
    s = overview.load_syllabus()
    assert list(s.index) == list(range(1, 11))
    assert s.at[6, "chapter"] == "04_payments_credit" and s.at[10, "chapter"] == "10_business_case"
    assert all(s.at[n, "chapter"] == registry.chapter_for_outline(n).id for n in s.index)


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
    en, zh = overview.market_facts(scn, "en", REPORT_DAY), overview.market_facts(scn, "zh-TW", REPORT_DAY)
    assert "FOB" in en.iloc[:, 1].tolist() and "美國 (US)" in zh.iloc[0, 1]
    text, figure, n = overview.headline(overview.load_glossary(), "zh-TW")
    assert str(n) in figure and "術語" in text


# ------------------------------------------------------------------------------------- glossary quiz

def test_quiz_seed_is_the_market_code_as_a_number():
    assert overview.quiz_seed("DE") == ord("D") * 256 + ord("E") == 17477
    assert overview.quiz_seed(" vn ") == overview.quiz_seed("VN")
    with pytest.raises(InputError, match="market: expected an ISO 3166-1 alpha-2 code"):
        overview.quiz_seed("DEU")


def test_quiz_meaning_hides_the_answer():
    en = "Minimum Order Quantity: the smallest quantity a supplier accepts; price tiers usually start at the MOQ."
    assert overview.quiz_meaning("MOQ", en, "en") == ("The smallest quantity a supplier accepts; price tiers usually "
                                                       "start at the ___.")
    zh = "穩定幣/數位錢包（Stablecoin / Digital Wallet）：穩定幣為與美元掛鉤的代幣，透過數位錢包持有。"
    assert overview.quiz_meaning("Stablecoin / Digital wallet", zh, "zh-TW") == "＿＿為與美元掛鉤的代幣，透過＿＿持有。"
    assert overview.quiz_term("Stablecoin / Digital wallet", zh, "zh-TW") == "穩定幣/數位錢包（Stablecoin / Digital Wallet）"
    # a colon deep inside a sentence is not a label: nothing is cut
    long = "The share of orders shipped on time; measured as: on-time orders / all orders."
    assert overview.quiz_meaning("OTD", long, "en") == long


@pytest.mark.parametrize("market", ["DE", "VN"])
@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_quiz_is_seeded_by_market_and_its_key_matches_the_glossary(market, lang):
    g = overview.load_glossary()
    quiz = overview.glossary_quiz(g, market, lang)
    again = overview.glossary_quiz(g, market, lang)
    assert quiz.terms == again.terms and quiz.options.equals(again.options)       # same market, same quiz
    assert len(quiz.terms) == overview.QUIZ_SIZE == len(set(quiz.terms))
    assert len(set(g.set_index("term").loc[list(quiz.terms), "section"])) == overview.QUIZ_SIZE  # spread
    key = overview.quiz_key(g, quiz)
    assert sorted(key["letter"]) == list("ABCDE")                                  # one letter per term
    by_term = g.set_index("term")["zh_TW" if lang == "zh-TW" else "en"]
    for term, letter in zip(key["term"], key["letter"]):
        shown = quiz.options.at[letter, "meaning"]
        assert shown == overview.quiz_meaning(term, by_term[term], lang)
        assert term not in shown                                                    # the answer is hidden
    table = overview.quiz_table(quiz)
    assert list(table.iloc[:, 2]) == list("ABCDE") and len(table) == 5
    shown_key = overview.quiz_key_table(key, lang)
    assert list(shown_key.iloc[:, 2]) == list(key["letter"])


def test_quizzes_differ_between_markets():
    g = overview.load_glossary()
    assert overview.glossary_quiz(g, "DE", "en").terms != overview.glossary_quiz(g, "JP", "en").terms


def test_quiz_key_rejects_a_quiz_that_does_not_fit_the_glossary():
    g = overview.load_glossary()
    quiz = overview.glossary_quiz(g, "MX", "en")
    wrong = quiz.options.copy()
    wrong.iloc[0, 0] = "Something else entirely."
    with pytest.raises(InputError, match="expected one option defining"):
        overview.quiz_key(g, overview.Quiz(quiz.market, quiz.lang, quiz.terms, quiz.labels, wrong))
    with pytest.raises(InputError, match="n: expected a whole number of terms"):
        overview.glossary_quiz(g, "MX", "en", n=1)


@pytest.mark.parametrize("market", ["DE", "US"])
@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_headline_points_carry_the_numbers(market, lang):
    points = overview.headline_points(overview.load_glossary(), overview.load_syllabus(), scenario.load(market), lang, REPORT_DAY)
    assert len(points) == 2
    assert all(any(ch.isdigit() for ch in p) for p in points)
    vat = facts.import_vat(market, REPORT_DAY).rate
    said = f"{vat:.0%}" if vat else {"en": "no import VAT", "zh-TW": "無進口增值稅"}[lang]   # a zero rate is said as none
    assert said in points[0] and str(overview.QUIZ_SIZE) in points[1]
