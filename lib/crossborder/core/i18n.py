"""Two languages, one home per string.

Every user-facing string lives in ``core/strings/<namespace>.yaml`` (shared) or ``chapters/<name>/strings.yaml``
(a chapter's own namespace) as
``key: {en: ..., zh-TW: ...}`` and is fetched with ``t("<namespace>.<key>", lang, **fields)``.
Each chapter owns its namespace file. Narrative prose lives in the notebooks' markdown cells, tagged
``lang-en`` or ``lang-zh-TW`` so that a report keeps only the chosen language.

Country names come from pycountry's gettext catalogues (zh_TW), with Taiwan labelled 臺灣 / Taiwan.
"""

from __future__ import annotations

import gettext
import re
from functools import cache, lru_cache
from pathlib import Path

import pycountry
import yaml

from crossborder.core.errors import InputError

LANGS: tuple[str, ...] = ("zh-TW", "en")
DEFAULT_LANG = "zh-TW"
STRINGS_DIR = Path(__file__).parent / "strings"            # shared namespaces: common, report, workshop
CHAPTERS_DIR = Path(__file__).parents[1] / "chapters"      # each chapter's namespace: chapters/<name>/strings.yaml

# pycountry's zh_TW catalogue names Taiwan after the ROC and zh_CN as a province; the workbook says 臺灣.
_COUNTRY_OVERRIDES = {"TW": {"en": "Taiwan", "zh-TW": "臺灣"}}


def check_lang(lang: object, where: str = "lang") -> str:
    """Return ``lang`` if it is one of LANGS, else raise InputError naming the argument."""
    if lang not in LANGS:
        raise InputError(f"{where}: expected one of {', '.join(LANGS)}, found {lang!r}")
    return lang  # type: ignore[return-value]


def strings_file(namespace: str) -> Path:
    """The YAML file holding a namespace's strings (shared ones in core, a chapter's in its package)."""
    shared = STRINGS_DIR / f"{namespace}.yaml"
    return shared if shared.exists() else CHAPTERS_DIR / namespace / "strings.yaml"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """All strings, keyed ``namespace.key``; validated so that every key has both languages."""
    out: dict[str, dict[str, str]] = {}
    files = [(p.stem, p) for p in sorted(STRINGS_DIR.glob("*.yaml"))]
    files += [(p.parent.name, p) for p in sorted(CHAPTERS_DIR.glob("*/strings.yaml"))]
    for namespace, path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, texts in data.items():
            where = f"{path.parent.name}/{path.name}: key '{key}'"
            if not isinstance(key, str):  # YAML 1.1 reads yes/no/on/off as booleans
                raise InputError(f"{where}: expected a text key, found {key!r} (quote it or rename it)")
            if not isinstance(texts, dict) or set(texts) != set(LANGS):
                found = sorted(texts) if isinstance(texts, dict) else texts
                raise InputError(f"{where}: expected exactly the languages {', '.join(LANGS)}, found {found!r}")
            out[f"{namespace}.{key}"] = {lang: str(texts[lang]) for lang in LANGS}
    return out


def t(key: str, lang: str, **fields: object) -> str:
    """The string ``key`` in ``lang``, with ``{field}`` placeholders filled from ``fields``."""
    check_lang(lang)
    try:
        text = catalogue()[key][lang]
    except KeyError:
        raise KeyError(f"no string {key!r} in {STRINGS_DIR.name}/ (namespace.key)") from None
    return text.format(**fields) if fields else text


def both(key: str, **fields: object) -> str:
    """The string in both languages, Chinese first: for teaching views in JupyterLab."""
    return " / ".join(t(key, lang, **fields) for lang in LANGS)


@cache
def _zh_tw_countries() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_TW"])


def country_name(code: str, lang: str) -> str:
    """A country's name in ``lang`` (ISO 3166-1 alpha-2 code)."""
    check_lang(lang)
    code = code.upper()
    if code in _COUNTRY_OVERRIDES:
        return _COUNTRY_OVERRIDES[code][lang]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise InputError(f"country: expected an ISO 3166-1 alpha-2 code, found {code!r}")
    name = getattr(country, "common_name", None) or country.name
    if lang == "en":
        return name
    return _zh_tw_countries().gettext(country.name)


# Countries whose English name takes "the" inside a sentence ("in the United States").
_THE = {"US", "GB", "NL", "PH", "AE", "CZ", "DO", "BS", "GM", "KM", "MV", "MH", "SB", "SC", "CF", "VA"}


def country_in_text(code: str, lang: str, *, start: bool = False) -> str:
    """A country's name as it reads inside a sentence: "the United States" (``start``: "The United States")."""
    name = country_name(code, lang)
    if lang == "en" and code.upper() in _THE:
        return f"{'The' if start else 'the'} {name}"
    return name


def plural(key: str, n: float, lang: str, **fields: object) -> str:
    """The string ``key`` for the count ``n``: ``key_zero`` when ``n`` is 0 and ``key_one`` when it is 1, where
    the catalogue has them (so English says "no risk stays", "1 risk stays", "2 risks stay"), else ``key``.
    ``n`` is passed on as the field ``n`` unless ``fields`` gives it."""
    fields.setdefault("n", n)
    for suffix, hit in (("_zero", n == 0), ("_one", n == 1)):
        if hit and f"{key}{suffix}" in catalogue():
            return t(f"{key}{suffix}", lang, **fields)
    return t(key, lang, **fields)


_ORDINARY_WORD = re.compile(r"[A-Z][a-z]+(?=[\s:,(/)-]|$)")


def in_sentence(label: str, lang: str) -> str:
    """A label as it reads inside an English sentence: a leading ordinary word loses its capital ("Churn rate"
    -> "churn rate", "Own website (SEO)" -> "own website (SEO)"), acronyms and names made of mixed capitals stay
    ("CAC payback", "LinkedIn", "MQLs", "Alibaba.com"). For labels of things, not proper names: the caller knows
    which is which ("Thomasnet" would lose its capital too). Other languages unchanged."""
    if lang != "en" or not _ORDINARY_WORD.match(label):
        return label
    return label[:1].lower() + label[1:]
