"""Know your business and fraud signals: offline VAT / company-number validation with python-stdnum, the
checklist's signals per order (look-alike domains, free mail, registry mismatch, ...) and a weighted score
with a hold / verify / proceed call. Pure functions over DataFrames."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError

from .section import SIGNALS, Payments

DECISIONS = ("proceed", "verify", "hold")
EU_VAT_COUNTRIES = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
                    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
# Offline validators per country (python-stdnum module names); EU members use stdnum.eu.vat.
KYB_VALIDATORS = {"TW": "stdnum.tw.ubn", "JP": "stdnum.jp.cn", "VN": "stdnum.vn.mst", "MX": "stdnum.mx.rfc",
                  "IN": "stdnum.in_.gstin", "US": "stdnum.us.ein", "GB": "stdnum.gb.vat", "CN": "stdnum.cn.uscc",
                  "KR": "stdnum.kr.brn", "TH": "stdnum.th.tin", "MY": "stdnum.my.nric", "ID": "stdnum.id.npwp",
                  "CH": "stdnum.ch.vat", "BR": "stdnum.br.cnpj", "AU": "stdnum.au.abn", "CA": "stdnum.ca.bn"}


@dataclass(frozen=True)
class KybResult:
    country: str
    number: str
    valid: bool | None          # None: no offline validator for this country
    compact: str
    validator: str              # the python-stdnum module used ("" if none)
    reason: str                 # "", or missing / length / format / checksum / component / country / no_validator


def _validator(country: str) -> ModuleType | None:
    import importlib

    if country in EU_VAT_COUNTRIES:
        return importlib.import_module("stdnum.eu.vat")
    name = KYB_VALIDATORS.get(country)
    if name is None:
        from stdnum.util import get_cc_module

        return get_cc_module(country.lower(), "vat")
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def validate_company_id(number: str | None, country: str) -> KybResult:
    """Check a VAT or company number offline (format and check digit) with python-stdnum.

    EU members: EU VAT numbers (a country prefix is added when missing; a prefix of another member state is
    reported as ``country``); Taiwan: 統一編號 UBN; Japan: 法人番号 corporate number; Viet Nam: MST; Mexico: RFC;
    India: GSTIN; the United States: EIN. This proves the number *could* exist, not that it belongs to the
    company: the online registry check (VIES for EU VAT, national registries) needs the network.
    """
    from stdnum import exceptions as ex

    country = (country or "").strip().upper()
    raw = "" if number is None or (isinstance(number, float) and math.isnan(number)) else str(number).strip()
    if not raw:
        return KybResult(country, raw, False, "", "", "missing")
    module = _validator(country)
    if module is None:
        return KybResult(country, raw, None, raw, "", "no_validator")
    name = module.__name__
    candidate = raw
    if name == "stdnum.eu.vat":
        from stdnum.util import clean

        compact = clean(raw, " -./,").upper().strip()
        prefix = compact[:2].upper()
        if not prefix.isalpha():
            candidate = ("EL" if country == "GR" else country) + compact
        elif prefix != ("EL" if country == "GR" else country):
            try:
                module.validate(compact)
                return KybResult(country, raw, False, compact, name, "country")
            except ex.ValidationError:
                pass
    try:
        compact = module.validate(candidate)
    except ex.InvalidLength:
        return KybResult(country, raw, False, "", name, "length")
    except ex.InvalidChecksum:
        return KybResult(country, raw, False, "", name, "checksum")
    except ex.InvalidComponent:
        return KybResult(country, raw, False, "", name, "component")
    except ex.InvalidFormat:
        return KybResult(country, raw, False, "", name, "format")
    except ex.ValidationError:
        return KybResult(country, raw, False, "", name, "format")
    return KybResult(country, raw, True, compact, name, "")


def kyb_check(numbers: Iterable[str | None], countries: Iterable[str]) -> pd.DataFrame:
    """``validate_company_id`` over aligned sequences; returns a frame with one row per number."""
    numbers, countries = list(numbers), list(countries)
    if len(numbers) != len(countries):
        raise InputError(f"kyb_check: expected as many countries as numbers, found {len(countries)} and {len(numbers)}")
    rows = [validate_company_id(n, c).__dict__ for n, c in zip(numbers, countries)]
    return pd.DataFrame(rows, columns=["country", "number", "valid", "compact", "validator", "reason"])


# ------------------------------------------------------------------------------------------ fraud signals

_HOMOGLYPHS = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("5", "s"))


def email_domain(email: str) -> str:
    """The domain of an e-mail address, lower case."""
    return email.rsplit("@", 1)[-1].strip().lower()


def site_domain(url: str | None) -> str:
    """The host of a website address without scheme, path and "www." ("" when there is none)."""
    if not isinstance(url, str) or not url.strip():
        return ""
    host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/")[0]
    return host[4:] if host.startswith("www.") else host


def osa_distance(a: str, b: str) -> int:
    """Optimal-string-alignment edit distance (Damerau-Levenshtein without repeated edits of a substring):
    insertions, deletions, substitutions and transpositions of adjacent characters each cost 1."""
    n, m = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        for j in range(1, m + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, prev2[j - 2] + 1)
            cur[j] = best
        prev2, prev = prev, cur
    return prev[m]


def _skeleton(domain: str) -> str:
    s = domain.lower()
    for old, new in _HOMOGLYPHS:
        s = s.replace(old, new)
    return s


def lookalike_of(domain: str, known: list[str], max_distance: int = 2) -> str | None:
    """The known domain that ``domain`` imitates (close but not equal, or equal once homoglyphs are folded)."""
    return _lookalike(domain.lower(), tuple(k.lower() for k in known if k), max_distance)


@lru_cache(maxsize=4096)
def _lookalike(domain: str, known: tuple[str, ...], max_distance: int) -> str | None:
    skeleton = _skeleton(domain)
    for k in known:
        if k == domain:
            continue
        if _skeleton(k) == skeleton:
            return k
        # the length difference is a lower bound of the edit distance: skip the full computation when too far
        if abs(len(k) - len(domain)) <= max_distance and osa_distance(k, domain) <= max_distance:
            return k
    return None


def fraud_signals(orders: pd.DataFrame, pay: Payments,
                  known_domains: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """The checklist's signals per order (bool columns ``SIGNALS``) plus what triggered them
    (``lookalike_of``: the imitated domain; ``kyb_reason``: the offline check's finding).

    - large_first_order: a first order above ``fraud.large_first_order`` USD;
    - rush_new_address: rush shipping to an address not on file;
    - bank_account_change: the order thread changes bank details (ours or the payer's);
    - third_party_payer: someone other than the buyer pays;
    - free_mail: the e-mail domain is a free-mail provider;
    - lookalike_domain: the e-mail domain imitates a known customer's domain (``known_domains``, from the
      customer master) or the order's own website;
    - registry_mismatch: the company number is missing or invalid offline (python-stdnum), belongs to another
      country, or the online registry check recorded a mismatch.
    """
    f = pay.fraud
    free = {d.lower() for d in (*f.free_mail_domains, *f.local_free_mail_domains)}
    mail = orders["email"].map(email_domain)
    site = orders["website"].map(site_domain)
    trusted = sorted({d.lower() for d in known_domains if d})
    # an e-mail domain is compared with the customer master's domains (trusted) and with the order's own
    # website; a domain that is itself in the master data is never a look-alike
    look = [None if m in trusted else lookalike_of(m, [*trusted, s] if s else trusted, f.lookalike_distance)
            for m, s in zip(mail, site)]
    kyb = kyb_check(orders["registry_id"], orders["country"])
    out = pd.DataFrame(index=orders.index)
    out["large_first_order"] = orders["first_order"].astype(bool) & (orders["amount"] > f.large_first_order)
    out["rush_new_address"] = orders["rush"].astype(bool) & ~orders["ship_to_on_file"].astype(bool)
    out["bank_account_change"] = orders["bank_details_changed"].astype(bool)
    out["third_party_payer"] = ~orders["payer_is_buyer"].astype(bool)
    out["free_mail"] = mail.isin(free).to_numpy()
    out["lookalike_domain"] = np.array([x is not None for x in look])
    offline_bad = (kyb["valid"] == False).to_numpy()  # noqa: E712 - None (no validator) is not a failure
    out["registry_mismatch"] = offline_bad | (orders["registry_check"] == "mismatch").to_numpy()
    out["lookalike_of"] = look                     # what triggered the signals (not scored)
    out["kyb_reason"] = kyb["reason"].to_numpy()
    return out


def fraud_scores(signals: pd.DataFrame, pay: Payments) -> pd.DataFrame:
    """Score = sum of the points of the signals present (0-100 scale, capped at 100) and the call:
    hold at ``hold_at`` or more; verify at ``verify_at`` or more, or whenever an ``always_verify`` signal is
    present (e.g. a bank-account change is always confirmed by a call-back to a number on file); else proceed.
    Returns the per-signal points (columns ``SIGNALS``), ``score`` and ``decision``.
    """
    f = pay.fraud
    missing = [s for s in SIGNALS if s not in signals.columns]
    if missing:
        raise InputError(f"fraud_scores: missing signal column(s) {', '.join(missing)}")
    flags = signals[list(SIGNALS)].to_numpy(dtype=bool)
    weights = np.array([f.weights.get(s, 0.0) for s in SIGNALS])
    points = flags * weights
    score = np.minimum(points.sum(axis=1), 100.0)
    forced = flags[:, [SIGNALS.index(s) for s in f.always_verify]].any(axis=1) if f.always_verify else np.zeros(len(flags), bool)
    decision = np.where(score >= f.hold_at, "hold", np.where((score >= f.verify_at) | forced, "verify", "proceed"))
    out = pd.DataFrame(points, index=signals.index, columns=list(SIGNALS))
    out["score"] = score
    out["decision"] = decision
    return out
