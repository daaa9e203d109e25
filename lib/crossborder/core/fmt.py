"""One number style per language: money, percentages, counts and ratios, for every chapter and the report.

Rules (both languages unless said):
- True minus (U+2212), never a hyphen; a value that rounds to zero is shown without a sign (never "−0").
- Missing or infinite values are an en dash "–" (the caller says in words what an infinity means).
- Percentages: no space before the sign ("12.5%", "+7.7%"), as babel's patterns for en and zh_Hant_TW have it.
- Money, English: code first, then the amount scaled consistently: "TWD 950", "TWD 45 k", "TWD 3.3 m",
  "TWD 1.2 bn" (non-breaking spaces, so a table cell never splits an amount).
- Money, Traditional Chinese: Taiwan's prose style with 萬 (10^4) and 億 (10^8): "新臺幣 330 萬元",
  "45 萬美元", "1.2 億日圓", "9,500 歐元". Currency names come from babel (zh_Hant_TW), with the workbook's
  spelling 臺 for Taiwan.
- ``exact=True`` prints the full amount with the currency's minor units ("USD 1,234.50" / "1,234.50 美元"):
  for price lists and invoices.
- Scaled amounts keep two or three significant digits: one decimal below 10 of the unit, none from 10 up.

Grouping and decimal symbols come from babel, so a third language is a locale away.

Every formatted figure is a ``Figure``: a ``str`` (the text above) that also carries the number it shows,
unrounded, its kind and currency, so a table a chapter shows can be exported to Excel as real numbers
(``crossborder.notebook.chapter.show``). Text built around a figure is plain text again.
"""

from __future__ import annotations

import math
from functools import lru_cache

from babel.numbers import format_decimal, get_currency_name, get_currency_precision

from crossborder.core.i18n import check_lang

MINUS = "\u2212"
NBSP = "\u00a0"
DASH = "–"
_LOCALE = {"en": "en", "zh-TW": "zh_Hant_TW"}
# (divisor, unit), ascending
_SCALES = {"en": ((1.0, ""), (1e3, "k"), (1e6, "m"), (1e9, "bn")),
           "zh-TW": ((1.0, ""), (1e4, "萬"), (1e8, "億"))}


class Figure(str):
    """A formatted figure that remembers its number: ``money(1234.5, "USD", "en").value == 1234.5``."""

    value: float
    kind: str             # "money", "percent", "points", "number", "ratio"
    currency: str | None
    digits: int | None

    def __new__(cls, text: str, value: float, kind: str, currency: str | None = None, digits: int | None = None):
        self = super().__new__(cls, text)
        self.value, self.kind, self.currency, self.digits = value, kind, currency, digits
        return self

    def __reduce__(self):
        return (Figure, (str(self), self.value, self.kind, self.currency, self.digits))


def _figure(text: str, value: object, kind: str, currency: str | None = None, digits: int | None = None) -> str:
    x = _finite(value)
    return text if x is None or text == DASH else Figure(text, x, kind, currency, digits)


def _finite(value: object) -> float | None:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _scaled(x: float, lang: str, digits: int | None) -> tuple[float, str, int]:
    """(scaled value, unit, decimals): the largest unit the rounded amount reaches."""
    scales = _SCALES[lang]
    pick = 0
    for i, (divisor, _) in enumerate(scales):
        if i == 0:
            continue
        scaled = x / divisor
        places = digits if digits is not None else (1 if abs(scaled) < 10 else 0)
        if round(abs(scaled), places) >= 1:
            pick = i
    divisor, unit = scales[pick]
    scaled = x / divisor
    if pick == 0:
        return scaled, "", 0 if digits is None else digits
    places = digits if digits is not None else (1 if round(abs(scaled), 1) < 10 else 0)
    if digits is None and places and round(abs(scaled), 1) == round(abs(scaled)):
        places = 0  # "3 m", not "3.0 m"
    return scaled, unit, places


def _plain(x: float, digits: int, lang: str) -> str:
    """|x| with grouping and exactly ``digits`` decimals (trailing '.0' of a scaled figure dropped)."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text = format_decimal(abs(x), format=pattern, locale=_LOCALE[lang])
    return text


def _sign(x: float, shown: str, signed: bool) -> str:
    zero = set(shown) <= set("0.,")
    if zero:
        return ""
    if x < 0:
        return MINUS
    return "+" if signed else ""


def _number_text(value: object, lang: str, digits: int = 0, *, signed: bool = False) -> str:
    """A count or measure with grouping: "12,340", "−3.5", "+12" (``signed``)."""
    check_lang(lang)
    x = _finite(value)
    if x is None:
        return DASH
    shown = _plain(x, digits, lang)
    return _sign(x, shown, signed) + shown


def _percent_text(value: object, lang: str, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.125 -> "12.5%"; ``signed`` gives "+7.7%" / "−0.4%" (zero unsigned)."""
    check_lang(lang)
    x = _finite(value)
    if x is None:
        return DASH
    shown = _plain(x * 100, digits, lang)
    return f"{_sign(x, shown, signed)}{shown}%"


def _percent_setting_text(value: object, lang: str) -> str:
    """A set percentage (a guardrail, a discount): whole percent unless it has a fraction ("22%", "22.5%")."""
    x = _finite(value)
    if x is None:
        return DASH
    whole = abs(x * 100 - round(x * 100)) < 1e-9
    return _percent_text(x, lang, 0 if whole else 1)


def _points_text(value: object, lang: str, digits: int = 1, *, signed: bool = True) -> str:
    """A difference of two percentages in percentage points: "+2.5 pp" / "+2.5 個百分點"."""
    check_lang(lang)
    x = _finite(value)
    if x is None:
        return DASH
    shown = _plain(x * 100, digits, lang)
    unit = "個百分點" if lang == "zh-TW" else "pp"
    return f"{_sign(x, shown, signed)}{shown}{NBSP}{unit}" if lang == "en" else f"{_sign(x, shown, signed)}{shown} {unit}"


def _ratio_text(value: object, lang: str, digits: int = 1) -> str:
    """A multiple: "2.3×"."""
    x = _finite(value)
    if x is None:
        return DASH
    return _number_text(x, lang, digits) + "×"


@lru_cache(maxsize=64)
def currency_name(currency: str, lang: str) -> str:
    """The currency's name in prose: "新臺幣", "美元", "歐元" (zh-TW) or its ISO code (en)."""
    check_lang(lang)
    if lang == "en":
        return currency
    name = get_currency_name(currency, locale=_LOCALE[lang])
    return name.replace("台", "臺")


def minor_units(currency: str) -> int:
    """Decimals the currency is quoted in (JPY and VND none, most others two)."""
    return int(get_currency_precision(currency))


def _money_text(value: object, currency: str, lang: str, *, exact: bool = False, signed: bool = False,
          digits: int | None = None) -> str:
    """An amount of ``currency`` in the language's style (see the module's rules).

    ``exact`` prints every minor unit; otherwise large amounts are scaled (k/m/bn; 萬/億) to two or three
    significant digits, or to ``digits`` decimals of the scaled figure when given.
    """
    check_lang(lang)
    x = _finite(value)
    if x is None:
        return DASH
    unit = ""
    if exact:
        shown = _plain(x, minor_units(currency) if digits is None else digits, lang)
    else:
        scaled, unit, places = _scaled(x, lang, digits)
        shown = _plain(scaled, places, lang)
    sign = _sign(x, shown, signed)
    if lang == "en":
        amount = f"{shown}{NBSP}{unit}" if unit else shown
        return f"{sign}{currency}{NBSP}{amount}"
    if currency == "TWD":
        return f"{sign}新臺幣{NBSP}{shown}{NBSP}{unit}元" if unit else f"{sign}新臺幣{NBSP}{shown}{NBSP}元"
    if unit:
        return f"{sign}{shown}{NBSP}{unit}{currency_name(currency, lang)}"
    return f"{sign}{shown}{NBSP}{currency_name(currency, lang)}"


# ------------------------------------------------------------------ the public faces: text that knows its number

def number(value: object, lang: str, digits: int = 0, *, signed: bool = False) -> str:
    """A count or measure with grouping: "12,340", "−3.5", "+12" (``signed``)."""
    return _figure(_number_text(value, lang, digits, signed=signed), value, "number", digits=digits)


def percent(value: object, lang: str, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.125 -> "12.5%"; ``signed`` gives "+7.7%" / "−0.4%" (zero unsigned)."""
    return _figure(_percent_text(value, lang, digits, signed=signed), value, "percent", digits=digits)


def percent_setting(value: object, lang: str) -> str:
    """A set percentage (a guardrail, a discount): whole percent unless it has a fraction ("22%", "22.5%")."""
    return _figure(_percent_setting_text(value, lang), value, "percent", digits=1)


def points(value: object, lang: str, digits: int = 1, *, signed: bool = True) -> str:
    """A difference of two percentages in percentage points: "+2.5 pp" / "+2.5 個百分點"."""
    return _figure(_points_text(value, lang, digits, signed=signed), value, "points", digits=digits)


def ratio(value: object, lang: str, digits: int = 1) -> str:
    """A multiple: "2.5×"."""
    return _figure(_ratio_text(value, lang, digits), value, "ratio", digits=digits)


def money(value: object, currency: str, lang: str, *, exact: bool = False, signed: bool = False,
          digits: int | None = None) -> str:
    """An amount of ``currency`` in the language's style (see the module's rules)."""
    text = _money_text(value, currency, lang, exact=exact, signed=signed, digits=digits)
    return _figure(text, value, "money", currency, minor_units(currency) if exact else 0)
