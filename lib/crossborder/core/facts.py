"""The dated fact store: one home for the legal and market facts that more than one chapter uses.

Every fact carries its source, an as-of date (when it was last checked against the source), whether it was
verified, and where it applies a validity window (``valid_from`` .. ``valid_until``, both inclusive). A chapter
never keeps its own copy: it asks for the value *in force on the report date*.

Files (shipped; a user's copy of the same name in ``<user folder>/data/facts/`` replaces the shipped one whole,
as every data file does, see ``crossborder.core.paths.data_file``; ``<user folder>/facts/`` is still read):

- ``data/facts/markets/<CODE>.yaml``: per market, the duty on the workbook's product by origin (the MFN rate,
  preferences under trade agreements with their rule of origin, every additional measure with its legal basis
  and window) and the import VAT/GST (rate, base, recovery), each a dated list.
- ``data/facts/interest_rates.yaml``: policy rates by currency (dated), used as 12-month money-market rates.

A fact is *stale* on a date when its as-of date is older than ``facts.stale_after_days`` (scenario defaults).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator

from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, data_file, relative, user_data_dir, user_home
from crossborder.core.schema import Model, Text, _country, _currency
from crossborder.core.text import brief_repr

FACTS_DIR = DATA_DIR / "facts"
MARKETS_DIR = FACTS_DIR / "markets"
RATES_FILE = FACTS_DIR / "interest_rates.yaml"
# Dates a report may be dated on: the facts and the calendars are meaningful only in this range.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class Dated(Model):
    """What every fact carries: where it comes from, when it was checked, when it is in force."""

    source: str = Field(min_length=1)
    as_of: date
    verified: bool
    valid_from: date | None = None
    valid_until: date | None = None          # last day in force
    note: Text | None = None

    @model_validator(mode="after")
    def _window(self) -> Dated:
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError(f"valid_from <= valid_until, found {self.valid_from} > {self.valid_until}")
        return self

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_until is None or on <= self.valid_until)

    def stale(self, on: date, after_days: int) -> bool:
        return (on - self.as_of).days > after_days


class MfnRate(Dated):
    """The market's most-favoured-nation duty on the product's tariff line."""

    rate: float = Field(ge=0, le=5)


class Measure(Dated):
    """An additional duty on goods of one origin, named by its legal basis, in force within its window."""

    name: Text
    kind: Literal["ad_valorem", "on_duty"] = "ad_valorem"   # on_duty: a share of the duty (a surcharge)
    rate: float = Field(ge=0, le=5)
    legal_basis: str


class Preference(Dated):
    """A preferential rate under an agreement, for goods whose origin meets the named rule."""

    agreement: str
    rate: float = Field(ge=0, le=5)
    rule_of_origin: Text
    proof: Text


class OriginTreatment(Model):
    """How the market treats goods made in one country."""

    domestic: bool = False                  # made in the market itself: no import at all
    additional: list[Measure] = []
    preference: Preference | None = None
    note: Text | None = None


class Duties(Model):
    hs: str = Field(pattern=r"^\d{4}\.\d{2}$")
    schedule: str
    line: str
    mfn: list[MfnRate] = Field(min_length=1)
    origins: dict[str, OriginTreatment]

    @field_validator("origins")
    @classmethod
    def _origins(cls, value: dict[str, OriginTreatment]) -> dict[str, OriginTreatment]:
        for code in value:
            _country(code)
        return value


class ImportVat(Dated):
    """Import VAT / GST / consumption tax on the product entering the market."""

    name: str
    rate: float = Field(ge=0, le=1)
    base: Text                                  # what the rate applies to
    b2b_recoverable: bool                       # a registered importer deducts it as input tax
    postponed_accounting: bool                  # declared in the VAT return instead of paid at the border
    scope: Text | None = None                   # which goods the rate covers, where it is not all


class MarketFacts(Model):
    market: str
    duties: Duties
    import_vat: list[ImportVat] = []

    _check_market = field_validator("market")(_country)


class InterestRate(Dated):
    """A policy rate standing in for the 12-month money-market rate (an assumption the chapter states)."""

    name: str
    value: float = Field(ge=-0.05, le=1.0)


class InterestRates(Model):
    rates: dict[str, list[InterestRate]]

    @field_validator("rates")
    @classmethod
    def _currencies(cls, value: dict[str, list[InterestRate]]) -> dict[str, list[InterestRate]]:
        for code in value:
            _currency(code)
        return value


# ------------------------------------------------------------------------------------------------ files

def _path(shipped: Path) -> Path:
    """The user's copy in ``<user folder>/data/facts/...`` (or ``<user folder>/facts/...``) when there is one,
    else the shipped file."""
    return data_file(shipped.relative_to(DATA_DIR).as_posix())


def _read(path: Path) -> dict:
    from crossborder.core import yamlio

    data = yamlio.read_yaml(path, "fact file")
    if not isinstance(data, dict):
        raise InputError(f"{relative(path)}: expected a mapping at the top level, found {type(data).__name__}")
    return data


_M = TypeVar("_M", bound=Model)


def _validate(model: type[_M], data: dict, path: Path) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        found = brief_repr(err.get("input"))
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
        raise InputError(f"{relative(path)}: key '{key}': expected {msg}, found {found}") from None


def _stamp(path: Path) -> tuple[str, int]:
    return str(path), path.stat().st_mtime_ns if path.exists() else 0


def market_file(code: str) -> Path:
    return _path(MARKETS_DIR / f"{code.upper()}.yaml")


def has_market(code: str) -> bool:
    return market_file(code).is_file()


def market_codes() -> list[str]:
    """Every market with a fact file (shipped or the user's)."""
    codes = {p.stem for p in MARKETS_DIR.glob("*.yaml")}
    for user in (user_data_dir() / "facts" / "markets", user_home() / "facts" / "markets"):
        if user.is_dir():
            codes |= {p.stem for p in user.glob("*.yaml")}
    return sorted(c for c in codes if len(c) == 2 and c.isalpha() and c.isupper())


def market(code: str) -> MarketFacts:
    """The facts of one market (validated; cached until the file changes)."""
    path = market_file(code)
    return _market_cached(*_stamp(path))


@lru_cache(maxsize=64)
def _market_cached(path: str, _mtime: int) -> MarketFacts:
    p = Path(path)
    facts = _validate(MarketFacts, _read(p), p)
    if facts.market != p.stem:
        raise InputError(f"{relative(p)}: key 'market': expected {p.stem}, found {facts.market!r}")
    return facts


def interest_rates() -> InterestRates:
    path = _path(RATES_FILE)
    return _rates_cached(*_stamp(path))


@lru_cache(maxsize=4)
def _rates_cached(path: str, _mtime: int) -> InterestRates:
    p = Path(path)
    return _validate(InterestRates, {"rates": _read(p)}, p)


# -------------------------------------------------------------------------------------------- in force

def check_date(on: object, where: str = "as_of") -> date:
    """A report date inside the range the facts and calendars support."""
    if not isinstance(on, date):
        raise InputError(f"{where}: expected a date YYYY-MM-DD, found {on!r}")
    if not EARLIEST <= on <= LATEST:
        raise InputError(f"{where}: expected a date from {EARLIEST} to {LATEST}, found {on}")
    return on


_F = TypeVar("_F", bound=Dated)


def in_force(items: Sequence[_F], on: date) -> _F | None:
    """The item of a dated list in force on ``on`` (the one that started last, if windows overlap)."""
    live = [x for x in items if x.in_force(on)]
    return max(live, key=lambda x: x.valid_from or date.min) if live else None


@dataclass(frozen=True)
class Duty:
    """The duty in force for goods of one origin entering one market on one date."""

    market: str
    origin: str
    on: date
    schedule: str
    line: str
    domestic: bool                  # made in the market: no import, no duty
    mfn: MfnRate
    preference: Preference | None   # available under an agreement (applies only if the origin rule is met)
    additional: tuple[Measure, ...]  # in force on the date
    expired: tuple[Measure, ...]    # ended before the date (shown so nobody quotes them)
    claim_preference: bool

    @property
    def preference_applied(self) -> bool:
        return self.claim_preference and self.preference is not None and not self.domestic

    @property
    def base_rate(self) -> float:
        """The conventional duty: the preference where claimed and available, else MFN (0 if domestic)."""
        if self.domestic:
            return 0.0
        return self.preference.rate if self.preference_applied and self.preference else self.mfn.rate

    @property
    def ad_valorem_extra(self) -> float:
        return 0.0 if self.domestic else sum(m.rate for m in self.additional if m.kind == "ad_valorem")

    @property
    def on_duty_rate(self) -> float:
        return 0.0 if self.domestic else sum(m.rate for m in self.additional if m.kind == "on_duty")

    @property
    def total(self) -> float:
        """All duties as one rate on the customs value: (base + ad valorem extras) x (1 + surcharges on duty)."""
        return (self.base_rate + self.ad_valorem_extra) * (1 + self.on_duty_rate)

    @property
    def regime(self) -> str:
        """"domestic", the agreement's name where the preference applies, or "MFN"."""
        if self.domestic:
            return "domestic"
        return self.preference.agreement if self.preference_applied and self.preference else "MFN"


def duty(code: str, origin: str, on: date, *, claim_preference: bool = True) -> Duty:
    """The duty on the workbook's product made in ``origin`` entering market ``code`` on date ``on``."""
    check_date(on)
    facts = market(code)
    origin = origin.upper()
    if origin not in facts.duties.origins:
        raise InputError(f"{relative(market_file(code))}: key 'duties.origins': expected an entry for origin "
                         f"{origin}, found only {', '.join(facts.duties.origins) or 'none'}")
    treat = facts.duties.origins[origin]
    mfn = in_force(facts.duties.mfn, on)
    if mfn is None:
        raise InputError(f"{relative(market_file(code))}: key 'duties.mfn': expected a rate in force on {on}, found none")
    pref = treat.preference if treat.preference is not None and treat.preference.in_force(on) else None
    additional = tuple(m for m in treat.additional if m.in_force(on))
    expired = tuple(m for m in treat.additional if m.valid_until is not None and m.valid_until < on)
    return Duty(code.upper(), origin, on, facts.duties.schedule, facts.duties.line, treat.domestic, mfn, pref,
                additional, expired, claim_preference)


def import_vat(code: str, on: date) -> ImportVat:
    """The import VAT/GST in force in market ``code`` on ``on``."""
    check_date(on)
    facts = market(code)
    vat = in_force(facts.import_vat, on)
    if vat is None:
        raise InputError(f"{relative(market_file(code))}: key 'import_vat': expected a rate in force on {on}, found none")
    return vat


def interest_rate(currency: str, on: date) -> InterestRate:
    """The policy rate of ``currency`` in force on ``on``."""
    check_date(on)
    rates = interest_rates().rates
    if currency not in rates:
        raise InputError(f"{relative(_path(RATES_FILE))}: expected a rate for {currency}, found only {', '.join(rates)}")
    rate = in_force(rates[currency], on)
    if rate is None:
        raise InputError(f"{relative(_path(RATES_FILE))}: key '{currency}': expected a rate in force on {on}, found none")
    return rate


# ---------------------------------------------------------------------------------------------- listing

class FactsSettings(Model):
    """Scenario section ``facts``: when a fact counts as stale on the report date."""

    stale_after_days: int = Field(ge=1, le=3650)


@dataclass(frozen=True)
class FactRow:
    """One fact in force, as the ``crossborder facts`` command and the report's list of facts show it."""

    topic: str            # "duty", "import_vat", "interest_rate"
    subject: str          # e.g. "TW -> US" or "USD"
    name: str
    value: float
    unit: str             # "rate" (a fraction)
    source: str
    as_of: date
    valid_from: date | None
    valid_until: date | None
    verified: bool
    stale: bool

    def as_json(self) -> dict[str, object]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items()}


def _row(topic: str, subject: str, name: str, value: float, fact: Dated, on: date, after: int) -> FactRow:
    return FactRow(topic, subject, name, value, "rate", fact.source, fact.as_of, fact.valid_from, fact.valid_until,
                   fact.verified, fact.stale(on, after))


def listing(code: str, on: date, lang: str, *, stale_after_days: int, currencies: Sequence[str] = ()) -> list[FactRow]:
    """Every fact in force for market ``code`` on ``on``: duties by origin (MFN, preference, each additional
    measure by its legal basis, the total), import VAT/GST, and the policy rates of ``currencies``."""
    check_date(on)
    code = code.upper()
    facts = market(code)
    rows: list[FactRow] = []
    for origin in facts.duties.origins:
        d = duty(code, origin, on)
        subject = f"{origin} → {code}"
        if d.domestic:
            rows.append(FactRow("duty", subject, "domestic sale, no import" if lang == "en" else "國內銷售，無進口",
                                0.0, "rate", "—", on, None, None, True, False))
            continue
        mfn_name = f"MFN, {d.schedule} {d.line}" if lang == "en" else f"最惠國稅率（MFN），{d.schedule} {d.line}"
        rows.append(_row("duty", subject, mfn_name, d.mfn.rate, d.mfn, on, stale_after_days))
        if d.preference is not None:
            p = d.preference
            name = (f"{p.agreement} preferential rate (origin rule met)" if lang == "en"
                    else f"{p.agreement} 優惠稅率（符合原產地規則時）")
            rows.append(_row("duty", subject, name, p.rate, p, on, stale_after_days))
        for m in d.additional:
            rows.append(_row("duty", subject, f"{m.name(lang)} [{m.legal_basis}]", m.rate, m, on, stale_after_days))
        total = "total duty in force" if lang == "en" else "現行關稅合計"
        rows.append(FactRow("duty", subject, f"{total} ({d.regime})", d.total, "rate", "—", on, None, None,
                            d.mfn.verified, False))
    if facts.import_vat:
        vat = import_vat(code, on)
        rows.append(_row("import_vat", code, vat.name, vat.rate, vat, on, stale_after_days))
    for cur in currencies:
        r = interest_rate(cur, on)
        rows.append(_row("interest_rate", cur, r.name, r.value, r, on, stale_after_days))
    return rows
