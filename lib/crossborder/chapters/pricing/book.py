"""A market's price book from its scenario: reads the FX inputs (and, for ``book_for``, the product table)
the pure model needs, then builds the book with ``model.build_price_book``."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crossborder.core.rates import RatesSection
from crossborder.scenario import Scenario

from .data import FxInputs, load_products, market_fx
from .model import PriceBook, build_price_book, check_competitor_models, completeness
from .section import Pricing, Stress


def price_book(market: str, section: Pricing, products: pd.DataFrame, *, as_of: date | None = None,
               stress: Stress | None = None, fx: dict[str, FxInputs] | None = None,
               stated: RatesSection | None = None) -> PriceBook:
    """Cost, freight and list price in the quote currency for every quote-ready product.

    FX inputs come from ``fx_inputs`` (rate history up to ``as_of``, or the scenario's stated rates
    ``stated``, i.e. ``scn.rates``) for the cost currencies of the quote-ready products, unless ``fx`` gives
    them ready-made. ``stress`` shifts cost, FX and competitor prices from the scenario's planning values
    (default: the scenario's saved ``stress``).
    """
    if fx is None:
        check_competitor_models(section, products)   # a scenario error is reported before FX history is read
        ready = products[completeness(products)["quote_ready"]]
        fx = market_fx(set(ready["cost_currency"]), section.fx, section.quote_currency, as_of, stated=stated)
    return build_price_book(market, section, products, fx, stress)


def book_for(scn: Scenario, products: pd.DataFrame | None = None, *, as_of: date | None = None,
             **shifts: float) -> PriceBook:
    """The price book of a loaded scenario; keyword shifts override the scenario's saved ``stress``."""
    section: Pricing = scn.pricing
    products = load_products() if products is None else products
    stress = section.stress.model_copy(update=shifts) if shifts else section.stress
    return price_book(scn.code, section, products, as_of=as_of, stress=stress, stated=scn.rates)
