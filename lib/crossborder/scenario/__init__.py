"""Market scenarios: load, layer, validate and save.

A market is an ISO 3166-1 alpha-2 code. Its scenario is built from up to three YAML files, each layer
overriding the one before (mappings merge key by key, lists and scalars are replaced):

1. ``data/scenarios/defaults.yaml``  shared defaults (shipped)
2. ``data/scenarios/<CODE>.yaml``    the market's own parameters (shipped, or added by a user)
3. ``<user folder>/scenarios/<CODE>.yaml``  what the user saved from a notebook (never shipped)

One top-level section per chapter. Each section is validated by a pydantic model registered in
``SECTIONS``; a bad value fails at load time naming the file, the key, what was expected and what was
found. Sections are listed by the chapter registry (``crossborder.core.registry``).
"""

from __future__ import annotations

import copy
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pycountry
import yaml
from pydantic import BaseModel, ValidationError

from crossborder.core import registry, yamlio
from crossborder.core.errors import InputError
from crossborder.core.fileio import atomic_write_text
from crossborder.core.paths import SCENARIO_DIR, relative, user_scenario_dir
from crossborder.core.schema import Model
from crossborder.core.text import brief_repr
from crossborder.scenario.market import Exporter, MarketInfo, Meta

DEFAULTS_FILE = "defaults.yaml"
_CODE_RE = re.compile(r"[A-Za-z]{2}")


# section name -> "module:Model", from the chapter registry; a section's module is imported only when a
# scenario is validated, and section modules hold pydantic models only (no chapter code is loaded).
SECTIONS: dict[str, str] = registry.section_models()


def _section_model(name: str) -> type[Model]:
    module, _, cls = SECTIONS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


# Which sections of which market's scenario were read since ``reset_reads()``: the report's cache keys each
# chapter on the sections it actually read, so a change to another chapter's section does not re-run it.
_READS: set[tuple[str, str]] = set()


def reset_reads() -> None:
    _READS.clear()


def reads() -> list[tuple[str, str]]:
    """(market, section) pairs read since the last ``reset_reads()``, sorted."""
    return sorted(_READS)


@dataclass(frozen=True)
class Scenario:
    """A validated market scenario. Sections are attributes: ``scenario.market.currency``."""

    code: str
    sections: dict[str, Model]
    files: tuple[Path, ...]                     # the layers it was built from, first to last
    raw: dict[str, Any] = field(repr=False)     # the merged mapping, before validation

    def __getattr__(self, name: str) -> Any:
        """A chapter's section by name (``scn.funnel``); typed properties below for the shared sections."""
        sections = self.__dict__.get("sections", {})
        if name in sections:
            _READS.add((self.__dict__["code"], name))
            return sections[name]
        raise AttributeError(f"scenario {self.__dict__.get('code')} has no section {name!r}")

    def _shared(self, name: str) -> Model:
        _READS.add((self.code, name))
        return self.sections[name]

    @property
    def meta(self) -> Meta:
        return cast(Meta, self._shared("meta"))

    @property
    def market(self) -> MarketInfo:
        return cast(MarketInfo, self._shared("market"))

    @property
    def exporter(self) -> Exporter:
        return cast(Exporter, self._shared("exporter"))

    @property
    def has_user_overlay(self) -> bool:
        return any(p.parent == user_scenario_dir() for p in self.files)


# ---------------------------------------------------------------------------------------------- codes

def _shipped_codes() -> set[str]:
    return {p.stem for p in SCENARIO_DIR.glob("*.yaml") if _CODE_RE.fullmatch(p.stem)}


def available_markets() -> list[str]:
    """Every market with a scenario: shipped examples plus markets the user added in the user folder."""
    user = user_scenario_dir()
    user_codes = {p.stem for p in user.glob("*.yaml") if _CODE_RE.fullmatch(p.stem)} if user.is_dir() else set()
    return sorted(_shipped_codes() | user_codes)


def example_markets() -> list[str]:
    """The markets shipped with the workbook."""
    return sorted(_shipped_codes())


def check_market(code: object, where: str = "market") -> str:
    """Normalise and check a market code; raise InputError naming the argument otherwise."""
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code.strip()):
        raise InputError(f"{where}: expected a two-letter ISO 3166-1 market code such as DE, found {brief_repr(code)}")
    code = code.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise InputError(f"{where}: {code!r} is not an ISO 3166-1 alpha-2 country code")
    if code not in available_markets():
        raise InputError(
            f"{where}: no scenario for market {code} (expected {relative(SCENARIO_DIR / (code + '.yaml'))}); "
            f"available: {', '.join(available_markets())}"
        )
    return code


# -------------------------------------------------------------------------------------------- loading

def _read_yaml(path: Path) -> dict[str, Any]:
    # one line naming the file for a missing, huge, binary, UTF-16, duplicate-key, infinite or alias-bomb file,
    # a directory or a FIFO (see crossborder.core.yamlio)
    data = yamlio.read_yaml(path, "scenario file")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{relative(path)}: expected a mapping of sections at the top level, found {type(data).__name__}")
    return data


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` into a copy of ``base``: mappings merge, everything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _layers(code: str) -> list[Path]:
    layers = [SCENARIO_DIR / DEFAULTS_FILE]
    shipped = SCENARIO_DIR / f"{code}.yaml"
    overlay = user_scenario_dir() / f"{code}.yaml"
    if shipped.exists():
        layers.append(shipped)
    if overlay.exists():
        layers.append(overlay)
    if len(layers) == 1:
        layers.append(shipped)  # reported as the missing file
    return layers


def _has_path(data: Any, path: tuple[Any, ...]) -> bool:
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return False
    return True


def _describe(exc: ValidationError, section: str, model: type[Model], layers: list[tuple[Path, dict]]) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = (section, *loc)
        key = ".".join(str(p) for p in path)
        # Name the last layer that set this key; for a missing key, the market's own file.
        origin = next((p for p, d in reversed(layers) if _has_path(d, path)), layers[min(1, len(layers) - 1)][0])
        kind, msg = err["type"], err["msg"]
        if kind == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            allowed = ", ".join(parent.model_fields) if parent else "see the defaults file"
            text = f"unknown key; expected one of: {allowed}"
        elif kind == "missing":
            text = "missing key; expected a value here"
        else:
            msg = msg.removeprefix("Value error, ")
            msg = msg[len("Input should be "):] if msg.startswith("Input should be ") else msg
            text = f"expected {msg}, found {brief_repr(err.get('input'))}"
        lines.append(f"{relative(origin)}: key '{key}': {text}")
    return "\n".join(lines)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the keys at ``loc`` (for listing allowed keys)."""
    import typing

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        ann = current.model_fields[part].annotation
        candidates = [ann, *typing.get_args(ann)]
        for arg in list(candidates):
            candidates.extend(typing.get_args(arg))
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def build(code: str, layers: list[tuple[Path, dict[str, Any]]]) -> Scenario:
    """Validate layered mappings into a Scenario (used by ``load`` and by ``save_overlay``'s check)."""
    merged: dict[str, Any] = {}
    for _, data in layers:
        merged = merge(merged, data)
    for name in merged:
        if name not in SECTIONS:
            origin = next(p for p, d in reversed(layers) if name in d)
            raise InputError(
                f"{relative(origin)}: key '{name}': unknown section; expected one of: {', '.join(SECTIONS)}"
            )
    sections: dict[str, Model] = {}
    problems = []
    for name in SECTIONS:
        model = _section_model(name)
        try:
            sections[name] = model.model_validate(merged.get(name) or {})
        except ValidationError as exc:
            problems.append(_describe(exc, name, model, layers))
    if problems:
        raise InputError("\n".join(problems))
    market = cast(MarketInfo, sections["market"])
    if market.code != code:
        origin = next((p for p, d in reversed(layers) if _has_path(d, ("market", "code"))), layers[-1][0])
        raise InputError(f"{relative(origin)}: key 'market.code': expected {code}, found {brief_repr(market.code)}")
    # Checks across sections: a section may define ``cross_check(sections) -> [(key, expected, found)]``.
    for name, section in sections.items():
        check = getattr(section, "cross_check", None)
        for key, expected, found in (check(sections) if callable(check) else []):
            path = (name, *key.split("."))
            origin = next((p for p, d in reversed(layers) if _has_path(d, path)), layers[-1][0])
            raise InputError(f"{relative(origin)}: key '{'.'.join(path)}': expected {expected}, found {brief_repr(found)}")
    return Scenario(code=code, sections=sections, files=tuple(p for p, _ in layers), raw=merged)


def load(code: str) -> Scenario:
    """Load and validate the scenario of a market (code is checked and normalised first)."""
    code = check_market(code)
    return _load_cached(code, _stamp(code))


def _stamp(code: str) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns if p.exists() else 0) for p in _layers(code))


_cache: dict[tuple, Scenario] = {}


def _load_cached(code: str, stamp: tuple) -> Scenario:
    key = (code, stamp)
    if key not in _cache:
        _cache[key] = build(code, [(p, _read_yaml(p)) for p in _layers(code)])
    return _cache[key]


# --------------------------------------------------------------------------------------------- saving

def save_overlay(code: str, section: str, values: dict[str, Any]) -> Path:
    """Save ``values`` into the user's overlay for ``section`` of market ``code`` (see ``save_sections``)."""
    return save_sections(code, {section: values})


def save_sections(code: str, changes: dict[str, dict[str, Any]]) -> Path:
    """Save several sections' values into the user's overlay for market ``code`` in one write.

    The whole scenario is validated with the new values before anything is written; the file is
    replaced atomically (a crash leaves the previous overlay intact). Returns the overlay's path.
    """
    code = check_market(code)
    for section in changes:
        if section not in SECTIONS:
            raise InputError(f"section: expected one of {', '.join(SECTIONS)}, found {section!r}")
    path = user_scenario_dir() / f"{code}.yaml"
    current = _read_yaml(path) if path.exists() else {}
    updated = merge(current, changes)
    layers = [(p, _read_yaml(p)) for p in _layers(code) if p != path] + [(path, updated)]
    build(code, layers)  # raises InputError naming the overlay and key; nothing written
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Saved from the workbook: your changes over the shipped scenario. Delete to reset.\n"
    text += yaml.safe_dump(_plain(updated), allow_unicode=True, sort_keys=False)
    atomic_write_text(path, text)
    return path


def _plain(value: Any) -> Any:
    """Convert numpy scalars and tuples so YAML stays plain."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


# ------------------------------------------------------------------------------------------ what changed

@dataclass(frozen=True)
class Change:
    """One value the user's overlay sets differently from the shipped scenario."""

    key: str          # dotted, e.g. "pricing.stress.fx_shift"
    shipped: Any      # the shipped value (None where the shipped scenario has no such key)
    used: Any

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]


def _leaves(data: Any, prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    if isinstance(data, dict) and data:
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_leaves(v, (*prefix, str(k))))
        return out
    return {".".join(prefix): data}


def overlay_changes(scn: Scenario) -> list[Change]:
    """Every key whose value in force differs from the shipped scenario because of the user's overlay."""
    overlay = user_scenario_dir() / f"{scn.code}.yaml"
    if overlay not in scn.files or SCENARIO_DIR / f"{scn.code}.yaml" not in scn.files:
        return []   # no overlay, or the user's own market: nothing shipped to compare with
    shipped: dict[str, Any] = {}
    for path in scn.files:
        if path != overlay:
            shipped = merge(shipped, _read_yaml(path))
    before, after = _leaves(shipped), _leaves(scn.raw)
    return [Change(k, before.get(k), v) for k, v in after.items() if before.get(k) != v]
