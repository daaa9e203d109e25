"""The business case's model: one market over the horizon, N draws at once. PURE and vectorised (numpy only):
no file, scenario or chapter access; :mod:`drivers` builds its inputs.

Per month m = 1..M (end of month) and draw i:

- leads per channel c: the platform chapter's saturating response of yearly spend,
  ``Q_c(x) = Q1_c (1 - exp(-k_c x / A_c)) / (1 - exp(-k_c))`` at ``x = 12 * budget * share_c``, divided by 12,
  from the month paid channels start, times the ramp ``min(1, (m - m0 + 1) / ramp)`` from the first-order month
  m0 (no orders before m0);
- new customers = sum_c leads_c x p_ic (the lead-to-customer conversion of draw i), split by segment mix;
- active accounts ``a_s(m) = a_s(m-1) (1 - churn_is)^(1/12) + new_s(m)``; orders = new + the retained accounts'
  repeat orders ``a_s(m-1) (1 - churn_is)^(1/12) f_s / 12``; revenue (invoice currency) = orders x units x price;
- home-currency revenue at ``h F_m + (1 - h) S_im`` (hedge ratio h at the forward F_m locked on the report date,
  the rest at the simulated rate S_im); the hedge costs ``h x forward margin`` of revenue;
- cost of goods = units x unit cost x (1 + cost shock); freight = units x freight per unit x freight shock x S;
  duty and import VAT paid by the seller (shares of revenue; VAT comes back after ``vat_lag`` months);
  payment fees and expected credit loss (shares of revenue per segment); marketing, fixed cost, the one-off
  compliance cost in month 1, residual risk losses (a share of revenue per simulated year);
- cash: receipts of segment s arrive ``days_s / 30.4375`` months after invoicing (linear between whole months),
  less the expected credit loss; the receivables' financing cost at ``cost_of_funds`` is shown in the P&L
  (accrual view) but NOT subtracted from the cash flow, whose timing already carries it (no double count).

NPV = sum_m CF_m / (1 + hurdle)^(m/12); payback month = the month after the last month with cumulative cash
below zero (0 if it never dips, NaN if still below at the horizon); peak cash need = max(0, -min cumulative cash).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Inputs:
    """Everything deterministic, per market (arrays over channels C and segments S)."""

    months: int
    first_order_month: int            # 1-based
    marketing_start_month: int        # 1-based
    ramp_months: int
    channel_budget: float             # home currency a month, split by ``channel_share``
    channel_share: np.ndarray         # (C,) sums to 1
    ref_spend: np.ndarray             # (C,) yearly spend of the response curve, home currency
    ref_leads: np.ndarray             # (C,) qualified inquiries a year at ref_spend
    saturation: np.ndarray            # (C,) k
    segment_mix: np.ndarray           # (S,) share of new customers
    orders_per_year: np.ndarray       # (S,) repeat orders of a retained account
    units: np.ndarray                 # (S,) units per order
    price: np.ndarray                 # (S,) unit price, invoice currency
    unit_cost: np.ndarray             # (S,) home currency per unit, before the cost shock
    freight_unit: float               # invoice currency per unit (seller's carriage), before the freight shock
    duty_share: float                 # seller-paid duty / revenue
    vat_share: float                  # seller-paid import VAT / revenue (refunded)
    vat_lag: int                      # months
    receipt_days: np.ndarray          # (S,) days from invoice to cash
    credit_loss: np.ndarray           # (S,) expected credit loss / revenue
    payment_fees: np.ndarray          # (S,) fees / revenue
    fixed_monthly: float
    compliance_cost: float            # one-off, month 1
    forward: np.ndarray               # (M,) forward rate locked on the report date
    hedge_ratio: float
    forward_margin: float
    hurdle_rate: float
    cost_of_funds: float

    def with_(self, **changes) -> Inputs:
        return replace(self, **changes)


@dataclass(frozen=True)
class Draws:
    """The random drivers, one row per draw (common random numbers: every recompute reuses them)."""

    conversion: np.ndarray            # (N, C) lead -> customer
    churn: np.ndarray                 # (N, S) yearly
    cost: np.ndarray                  # (N,) relative change of unit cost
    freight: np.ndarray               # (N,) freight multiplier
    fx: np.ndarray                    # (N, M) home currency per invoice unit
    risk: np.ndarray                  # (N, Y) residual yearly loss / yearly sales

    @property
    def n(self) -> int:
        return len(self.cost)

    def take(self, idx: np.ndarray) -> Draws:
        return Draws(*(getattr(self, f)[idx] for f in DRIVERS))


DRIVERS = ("conversion", "churn", "cost", "freight", "fx", "risk")


@dataclass(frozen=True)
class Result:
    """Monthly lines (N, M) in the home currency and the per-draw outcomes."""

    revenue: np.ndarray
    gross_profit: np.ndarray
    contribution: np.ndarray
    ebit: np.ndarray
    financing: np.ndarray             # receivables at cost of funds (P&L only)
    cash_flow: np.ndarray
    cum_cash: np.ndarray
    receivables: np.ndarray
    new_customers: np.ndarray
    npv: np.ndarray                   # (N,)
    peak_cash: np.ndarray             # (N,) >= 0
    payback: np.ndarray               # (N,) month, NaN if beyond the horizon
    lines: dict[str, np.ndarray] = field(default_factory=dict)  # monthly cost lines (N, M)

    @property
    def p_npv_positive(self) -> float:
        return float(np.mean(self.npv > 0))


def leads_per_month(inp: Inputs) -> np.ndarray:
    """(M, C) qualified inquiries per month and channel."""
    x = 12.0 * inp.channel_budget * inp.channel_share
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        yearly = inp.ref_leads * -np.expm1(-inp.saturation * x / inp.ref_spend) / -np.expm1(-inp.saturation)
    yearly = np.where(inp.ref_spend > 0, yearly, 0.0)
    m = np.arange(1, inp.months + 1)
    ramp = np.clip((m - inp.first_order_month + 1) / max(inp.ramp_months, 1), 0.0, 1.0)
    ramp = np.where(m >= inp.first_order_month, ramp if inp.ramp_months else 1.0, 0.0)
    on = (m >= inp.marketing_start_month)
    return (ramp * on)[:, None] * (yearly / 12.0)[None, :]


def _lag(x: np.ndarray, months: float) -> np.ndarray:
    """x shifted right by a fractional number of months (N, M), zeros before."""
    lo = int(np.floor(months))
    w = months - lo
    out = np.zeros_like(x)
    if lo < x.shape[1]:
        out[:, lo:] += (1 - w) * x[:, :x.shape[1] - lo]
    if lo + 1 < x.shape[1] and w > 0:
        out[:, lo + 1:] += w * x[:, :x.shape[1] - lo - 1]
    return out


def simulate(inp: Inputs, d: Draws) -> Result:
    """The monthly P&L and cash of every draw (see the module docstring)."""
    N, M, S = d.n, inp.months, len(inp.segment_mix)
    leads = leads_per_month(inp)                                  # (M, C)
    new = d.conversion @ leads.T                                  # (N, M)
    keep = (1.0 - d.churn) ** (1.0 / 12.0)                        # (N, S) monthly survival
    active = np.zeros((N, S))
    orders = np.empty((N, M, S))
    new_s = new[:, :, None] * inp.segment_mix[None, None, :]
    for m in range(M):
        retained = active * keep
        orders[:, m, :] = new_s[:, m, :] + retained * inp.orders_per_year / 12.0
        active = retained + new_s[:, m, :]
    units_s = orders * inp.units                                  # (N, M, S)
    rev_inv_s = units_s * inp.price                               # invoice currency
    h = inp.hedge_ratio
    rate = h * inp.forward[None, :] + (1 - h) * d.fx              # (N, M)
    rev_s = rev_inv_s * rate[:, :, None]
    revenue = rev_s.sum(axis=2)
    units = units_s.sum(axis=2)
    cogs = (units_s * inp.unit_cost).sum(axis=2) * (1 + d.cost)[:, None]
    freight = units * inp.freight_unit * d.freight[:, None] * d.fx
    duty = revenue * inp.duty_share
    vat_out = revenue * inp.vat_share
    fees = (rev_s * inp.payment_fees).sum(axis=2)
    ecl = (rev_s * inp.credit_loss).sum(axis=2)
    hedge = revenue * h * inp.forward_margin
    m_idx = np.arange(1, M + 1)
    marketing = np.where(m_idx >= inp.marketing_start_month, inp.channel_budget, 0.0)[None, :] * np.ones((N, 1))
    fixed = np.full((N, M), inp.fixed_monthly)
    compliance = np.zeros((N, M))
    compliance[:, 0] = inp.compliance_cost
    year = np.minimum((m_idx - 1) // 12, d.risk.shape[1] - 1)
    risk = revenue * d.risk[:, year]
    gross = revenue - cogs - freight - duty
    contribution = gross - fees - ecl - hedge - marketing
    ebit = contribution - fixed - compliance - risk
    receipts = np.zeros((N, M))
    for s in range(S):
        receipts += _lag(rev_s[:, :, s] * (1 - inp.credit_loss[s]), inp.receipt_days[s] / DAYS_PER_MONTH)
    vat_in = _lag(vat_out, float(inp.vat_lag))
    cash = receipts + vat_in - (cogs + freight + duty + vat_out + fees + hedge + marketing + fixed + compliance + risk)
    cum = np.cumsum(cash, axis=1)
    receivables = np.cumsum(revenue - ecl, axis=1) - np.cumsum(receipts, axis=1)
    financing = receivables * inp.cost_of_funds / 12.0
    disc = (1 + inp.hurdle_rate) ** (-m_idx / 12.0)
    npv = cash @ disc
    peak = np.maximum(0.0, -cum.min(axis=1))
    below = cum < 0
    last_below = np.where(below.any(axis=1), M - np.argmax(below[:, ::-1], axis=1), 0)   # 1-based month
    payback = np.where(below[:, -1], np.nan, np.where(below.any(axis=1), last_below + 1, 0)).astype(float)
    lines = {"cogs": cogs, "freight": freight, "duty": duty, "fees": fees, "credit_loss": ecl, "hedge": hedge,
             "marketing": marketing, "fixed": fixed, "compliance": compliance, "risk": risk}
    return Result(revenue, gross, contribution, ebit, financing, cash, cum, receivables, new, npv, peak, payback, lines)


def bands(x: np.ndarray, q: tuple[float, ...] = (0.10, 0.50, 0.90)) -> np.ndarray:
    """(len(q), M) quantiles over draws."""
    return np.quantile(x, q, axis=0)


def decision(pmf: str, p_npv: float, peak_p50: float, budget: float, rule) -> str:
    """go / iterate / stop by the scenario's rule (``rule``: go_p_npv, stop_p_npv, peak_within_budget)."""
    if pmf == "stop" or p_npv < rule.stop_p_npv:
        return "stop"
    fits = peak_p50 <= budget or not rule.peak_within_budget
    if pmf == "go" and p_npv >= rule.go_p_npv and fits:
        return "go"
    return "iterate"
