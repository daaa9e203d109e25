"""The workshop's worked answers in tables and words: how much unit-cost rise the price list absorbs
(``absorbable_cost_shift``) and how to answer a competitor's price cut (``competitor_cut``). The searches
themselves are in ``model_whatif`` (the headline's talking points use them too)."""

from __future__ import annotations

import pandas as pd

from crossborder.core.fmt import percent, percent_setting
from crossborder.core.i18n import t

from .model import PriceBook
from .present import amount


def absorb_table(book: PriceBook, absorb: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``absorbable_cost_shift`` for display."""
    ccy = book.currency
    return pd.DataFrame({
        t("pricing.col_tier", lang): absorb["label"].to_numpy(),
        t("pricing.col_with_currency", lang, label=t("pricing.col_ladder", lang), currency=ccy):
            [amount(x, ccy, lang) for x in absorb["ladder_price"]],
        t("pricing.col_margin", lang): [percent(x, lang) for x in absorb["ladder_margin"]],
        t("pricing.col_absorbs", lang, floor=percent_setting(book.section.guardrails.floor, lang)):
            [percent(x, lang, 1, signed=True) for x in absorb["headroom"]],
    })


def absorb_note(book: PriceBook, absorb: pd.DataFrame, lang: str) -> str:
    """The answer in words: which tier reaches the floor first, at what cost rise."""
    head = absorb["headroom"]
    floor = percent_setting(book.section.guardrails.floor, lang)
    if head.isna().all():
        return t("pricing.absorb_none", lang, floor=floor)
    i = int(head.idxmin())
    x = float(head.iloc[i])
    key = "pricing.absorb_first" if x > 0 else "pricing.absorb_already"
    return t(key, lang, tier=absorb.at[i, "label"], shift=percent(abs(x), lang), floor=floor)


def cut_table(book: PriceBook, cut_frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``competitor_cut`` for display: prices and expected contribution per order of each answer."""
    ccy = book.currency
    c = lambda key, **kw: t(f"pricing.{key}", lang, currency=ccy, **kw)
    a = lambda x: amount(x, ccy, lang)
    f = cut_frame
    return pd.DataFrame({
        t("pricing.col_tier", lang): f["label"].to_numpy(),
        c("col_cut_competitor"): [f"{a(x)} → {a(y)}" for x, y in zip(f["competitor_before"], f["competitor_after"])],
        c("col_cut_reprice_price"): [f"{a(x)} → {a(y)}" for x, y in zip(f["price_before"], f["price_reprice"])],
        c("col_cut_before"): [a(x) for x in f["before"]],
        c("col_cut_hold"): [a(x) for x in f["hold"]],
        c("col_cut_match"): [a(x) for x in f["match"]],
        c("col_cut_reprice"): [a(x) for x in f["reprice"]],
    })


def cut_note(cut_frame: pd.DataFrame, cut: float, lang: str) -> str:
    """The answer in words: what the cut costs, and how much re-pricing saves over holding and matching."""
    f = cut_frame
    total = {k: float(f[k].sum()) for k in ("before", "hold", "match", "reprice")}
    rel = lambda a, b: percent(a / b - 1, lang, 0, signed=True) if b > 0 else "–"
    return t("pricing.cut_note", lang, cut=percent_setting(cut, lang), loss=rel(total["reprice"], total["before"]),
             hold=rel(total["hold"], total["before"]), match=rel(total["match"], total["before"]))
