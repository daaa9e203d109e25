"""Quotes: the answer to a request, quoted or refused with its reason, and the price waterfall behind it (pure).

A quote walks the price ladder (``model``): quote-readiness, lead-time option, MOQ and samples, ladder or
requested price, service bundles, then the margin guardrail. A margin below the floor is refused with the
lowest acceptable product price ``p_min = (C - B_p (1 - floor)) / (1 - v - floor)``, ``C = c/S + f + B_c``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from crossborder.core.errors import InputError
from crossborder.core.paths import relative

from .data import PRODUCTS_FILE
from .model import PriceBook, band_of, round_price
from .section import Tier


@dataclass(frozen=True)
class Quote:
    """The answer to a request: quoted or refused (with the reason), and the numbers behind it."""

    model: str
    quantity: int
    currency: str
    kind: Literal["order", "sample"]
    quoted: bool
    reason: str | None                       # a key in the chapter's strings.yaml (reason_*), None when quoted
    reason_fields: dict = field(default_factory=dict)
    tier: int | None = None                  # index into the scenario's tiers (orders only)
    lead_time_days: int | None = None        # the production option used
    list_price: float = math.nan
    product_price: float = math.nan          # per unit, after tier/region/lead time or as requested
    bundle_price: float = 0.0                # per unit
    unit_price: float = math.nan             # product + bundles, what the buyer pays per unit
    total: float = math.nan
    unit_cost: float = math.nan              # goods + freight + insurance + bundle cost, per unit
    margin: float = math.nan
    band: str | None = None
    lowest_price: float = math.nan           # lowest acceptable product price (at the floor margin)
    steps: tuple[tuple[str, float], ...] = ()  # waterfall: (step key, amount) from list to margin
    bundles: tuple[str, ...] = ()            # the bundle ids quoted


def _tier_index(tiers: Sequence[Tier], quantity: int) -> int:
    mins = np.array([tier.min_qty for tier in tiers])
    return int(np.searchsorted(mins, quantity, side="right") - 1)


def _refused(model: str, quantity: int, currency: str, reason: str, kind: Literal["order", "sample"] = "order",
             **fields: Any) -> Quote:
    return Quote(model, quantity, currency, kind, False, reason, fields)


def quote(book: PriceBook, model: str, quantity: int, lead_time_days: int, bundles: Sequence[str] = (),
          requested_price: float | None = None) -> Quote:
    """Quote ``quantity`` units of ``model`` delivered (ex works) within ``lead_time_days``, with bundles.

    Steps: quote-readiness; the slowest lead-time option that still meets the requested days (none: refused);
    MOQ (below it: samples up to the sample limit if the scenario routes them, else refused); the ladder
    price ``list x (1 - tier discount) x region x lead time`` (samples: ``list x sample factor x region x
    lead time``) or the buyer's ``requested_price``; bundles; then the guardrail: a margin below the floor
    is refused with the lowest acceptable price. Prices are rounded to the currency's minor unit *before*
    the guardrail check, so a quoted price never falls below the floor.
    """
    sec, ccy = book.section, book.currency
    if model not in book.completeness.index:
        raise InputError(f"product: expected a model from {relative(PRODUCTS_FILE)}, found {model!r}")
    if isinstance(quantity, bool) or not isinstance(quantity, (int, np.integer)) or quantity < 1:
        raise InputError(f"quantity: expected a whole number of units >= 1, found {quantity!r}")
    if isinstance(lead_time_days, bool) or not isinstance(lead_time_days, (int, np.integer)) or lead_time_days < 1:
        raise InputError(f"lead_time_days: expected a whole number of days >= 1, found {lead_time_days!r}")
    known = {b.id: b for b in sec.bundles}
    unknown = [b for b in bundles if b not in known]
    if unknown:
        raise InputError(f"bundles: expected ids from pricing.bundles ({', '.join(known) or 'none defined'}), found {unknown}")
    if requested_price is not None and not (isinstance(requested_price, (int, float)) and requested_price > 0
                                            and math.isfinite(requested_price)):
        raise InputError(f"requested_price: expected a unit price > 0 in {ccy} (or none), found {requested_price!r}")
    quantity = int(quantity)
    if model not in book.products.index:
        row = book.completeness.loc[model]
        return _refused(model, quantity, ccy, "reason_not_ready", missing=row["quote_missing"],
                        lifecycle=row["lifecycle"], tolerance=row["within_tolerance"])
    row = book.products.loc[model]
    options = [o for o in sec.lead_times if o.days <= lead_time_days]
    if not options:
        fastest = min(sec.lead_times, key=lambda o: o.days)
        return _refused(model, quantity, ccy, "reason_lead_time", days=lead_time_days, fastest=fastest.days)
    option = max(options, key=lambda o: o.days)
    moq = int(row["moq"])
    kind: Literal["order", "sample"] = "order"
    if quantity < moq:
        if sec.samples.below_moq == "sample" and quantity <= sec.samples.max_qty:
            kind = "sample"
        else:
            return _refused(model, quantity, ccy, "reason_below_moq", moq=moq,
                            samples=sec.samples.max_qty if sec.samples.below_moq == "sample" else 0)

    lp = float(row["list_price"])
    steps: list[tuple[str, float]] = [("step_list", lp)]
    tier = None
    if kind == "order":
        tier = _tier_index(sec.tiers, quantity)
        after_tier = lp * (1 - sec.tiers[tier].discount)
        steps.append(("step_tier", after_tier - lp))
    else:
        after_tier = lp * sec.samples.price_factor
        steps.append(("step_sample", after_tier - lp))
    after_region = after_tier * sec.region_factor
    steps.append(("step_region", after_region - after_tier))
    ladder = round_price(after_region * option.factor, ccy)
    steps.append(("step_lead_time", ladder - after_region))
    product_price = ladder
    if requested_price is not None:
        product_price = round_price(float(requested_price), ccy)
        steps.append(("step_negotiated", product_price - ladder))

    chosen = [known[b] for b in bundles]
    per = [1.0 if b.basis == "unit" else 1.0 / quantity for b in chosen]
    bundle_price = round_price(sum(b.price * k for b, k in zip(chosen, per)), ccy)
    bundle_cost = sum(b.cost * k for b, k in zip(chosen, per))
    steps.append(("step_bundles", bundle_price))
    unit_price = product_price + bundle_price
    steps.append(("step_net", unit_price))
    v = sec.insurance_share
    goods = float(row["cost_quote"])
    freight = float(row["freight_unit"]) + v * product_price
    cost = goods + freight + bundle_cost
    margin = (unit_price - cost) / unit_price
    steps += [("step_cost", -goods), ("step_freight", -freight), ("step_bundle_cost", -bundle_cost),
              ("step_margin", unit_price - cost)]
    floor = sec.guardrails.floor
    lowest = max((goods + float(row["freight_unit"]) + bundle_cost - bundle_price * (1 - floor)) / (1 - v - floor), 0.0)
    lowest = round_price(lowest, ccy, up=True)
    common = dict(tier=tier, lead_time_days=option.days, list_price=lp, product_price=product_price,
                  bundle_price=bundle_price, unit_price=unit_price, total=unit_price * quantity, unit_cost=cost,
                  margin=margin, band=band_of(margin, sec.guardrails), lowest_price=lowest, steps=tuple(steps),
                  bundles=tuple(bundles))
    if margin < floor:
        return Quote(model, quantity, ccy, kind, False, "reason_below_floor",
                     {"margin": margin, "floor": floor, "lowest": lowest}, **common)
    return Quote(model, quantity, ccy, kind, True, None, {}, **common)


def sample_quote(book: PriceBook, model: str | None = None) -> Quote:
    """The scenario's sample quote (``pricing.sample_quote``), for ``model`` if given."""
    sq = book.section.sample_quote
    return quote(book, model or sq.product, sq.quantity, sq.lead_time_days, tuple(sq.bundles),
                 requested_price=sq.requested_price)


def below_floor_request(book: PriceBook, q: Quote, share: float = 0.95) -> Quote:
    """The same request with the buyer asking ``share`` of the lowest acceptable product price: a refusal
    to show how the guardrail answers (it names the lowest price it would accept)."""
    price = round_price(q.lowest_price * share, book.currency) if q.steps else math.nan
    if q.steps and not price > 0:
        raise InputError(f"share: expected a share that leaves a positive price, found {share!r}")
    if not q.steps:
        raise InputError(f"quote: expected a priced quote to undercut, found one refused before pricing ({q.reason})")
    return quote(book, q.model, q.quantity, q.lead_time_days, q.bundles, requested_price=price)
