"""Add a market in one command: ``crossborder market new CODE --from DE [--ship] [--force]``.

A market is a scenario plus its rows in the data files that hold rows per market (the chapter registry's
``market_data``) plus its legal facts in the fact store. This module writes all three as a copy of an
existing market, into the user folder (``<user folder>/scenarios/<CODE>.yaml`` and ``<user folder>/data/``,
which replace the shipped files, see ``crossborder.core.paths.data_file``) or, with ``ship``, into ``data/``:

- the scenario: the source market's own layers (shipped file and the user's saved overlay) with
  ``market.code`` set, the currency and business languages of the new country (babel's CLDR territory data),
  ``meta.example`` false and a ``meta.note`` saying what to replace; risk adjustments and the pilot list follow
  the re-keyed ids and codes;
- each data file: the rows already in use plus the source market's rows re-keyed to the new code (``RULES``):
  ids made unique ("L-DE-0001" -> "L-FR-0001", "DE-001" -> "FR-001", "O00001" -> "O00001-FR"), company names
  suffixed " (FR copy)", the ``source`` column set to "copy of DE: replace with your own", and every join kept
  (orders follow their accounts; invoices and screened orders name the same renamed customers);
- the fact store: the new code's file when it has one, else the source's with every record marked unverified
  and its source prefixed "copy of DE, not checked for FR".

Nothing is written until every file has been built and the new scenario validates; each file is replaced
atomically, and if a write fails the files written before it are put back. The checklist (``Plan.checklist``)
lists every legal fact copied, with its source and as-of date, to verify, and the illustrative rows to replace.

No chapter code is imported here: the rules below are about file layout and ids only.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
import yaml

from crossborder import scenario
from crossborder.core import facts, registry
from crossborder.core.errors import InputError
from crossborder.core.fileio import atomic_write_bytes, atomic_write_text
from crossborder.core.i18n import country_name
from crossborder.core.paths import DATA_DIR, SCENARIO_DIR, data_file, relative, user_data_dir, user_scenario_dir

COPY_SOURCE = "copy of {src}: replace with your own"


@dataclass(frozen=True)
class Rekey:
    """How one data file's rows of a market are copied to another market."""

    market: str | None                          # the column naming the market (None: rows follow another file)
    ids: tuple[str, ...] = ()                   # id columns re-keyed to the new code (kept unique)
    names: tuple[str, ...] = ()                 # company names, suffixed " (<CODE> copy)" (joins across files)
    follows: tuple[str, str] | None = None      # (column, file): rows whose column holds an id copied in file
    mark: dict[str, str] = field(default_factory=dict)   # column -> value on copied rows (besides ``source``)
    only_if_absent: bool = False                # add a row only when the market has none (never replace)


# Every file of the registry's ``market_data`` needs a rule (tests/test_market_new.py checks it).
RULES: dict[str, Rekey] = {
    "markets.csv": Rekey("market", only_if_absent=True),                        # chapter 01's candidates
    "credit_customers.csv": Rekey("market", names=("customer",)),
    "invoices.csv": Rekey("market", ids=("invoice_id",), names=("customer",)),
    "orders_to_screen.csv": Rekey("country", ids=("order_id",), names=("customer",)),
    "compliance.csv": Rekey("market", mark={"verified": "false"}),              # legal items: verify each
    "customers.csv": Rekey("market", ids=("account_id",)),
    "orders.csv": Rekey(None, ids=("order_id",), follows=("account_id", "customers.csv")),
    "funnel.csv": Rekey("market"),
    "leads.csv": Rekey("market", ids=("lead_id",)),
    "risks.csv": Rekey("market", ids=("id",)),                                  # rows for "all" stay shared
}


@dataclass
class Write:
    path: Path
    text: str
    what: str


@dataclass
class Plan:
    """What ``market new`` writes and what it asks the user to check."""

    code: str
    source: str
    writes: list[Write] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)          # files left as they are, with the reason
    notes: list[str] = field(default_factory=list)         # what else the user should know
    verify: list[str] = field(default_factory=list)        # legal facts copied: value, source, as-of
    replace: list[str] = field(default_factory=list)       # illustrative figures and rows copied

    def checklist(self) -> str:
        name = country_name(self.code, "en")
        out = [f"Market {self.code} ({name}) added as a copy of {self.source}."]
        out += ["Written:"] + [f"  {relative(w.path)}  {w.what}" for w in self.writes]
        if self.kept:
            out += ["Kept as they are:"] + [f"  {k}" for k in self.kept]
        out += [f"Note: {n}" for n in self.notes]
        out += ["", f"Verify these facts for {name} against their sources (the values are {self.source}'s unless "
                f"the fact store already had {self.code}); update value, source and as_of in the file named:"]
        out += [f"  [ ] {v}" for v in self.verify]
        out += ["", f"Replace the illustrative figures copied from {self.source} with your own:"]
        out += [f"  [ ] {r}" for r in self.replace]
        out += ["", f"Then: crossborder report {self.code}"]
        return "\n".join(out)


# ------------------------------------------------------------------------------------------------ checks

def check_new_code(code: object) -> str:
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{2}", code.strip()):
        raise InputError(f"market: expected a two-letter ISO 3166-1 alpha-2 code such as FR, found {str(code)[:40]!r}")
    code = code.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise InputError(f"market: {code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


# ------------------------------------------------------------------------------------------------ data files

def _read_csv(path: Path) -> tuple[list[str], list[list[str]], str]:
    text = path.read_bytes().decode("utf-8")              # as stored: line endings kept
    newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise InputError(f"{relative(path)}: expected a header row, found an empty file")
    return rows[0], rows[1:], newline


def _csv_text(header: list[str], rows: list[list[str]], newline: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows([header, *rows])
    return out.getvalue()


def rekey_id(value: str, src: str, dst: str) -> str:
    """``value`` with the code ``src`` replaced by ``dst`` where it stands alone ("INV-DE-0032", "DE1"), else
    with ``-dst`` appended ("O00001" -> "O00001-FR")."""
    new, n = re.subn(rf"(?<![A-Za-z]){re.escape(src)}(?![A-Za-z])", dst, value)
    return new if n else f"{value}-{dst}"


def copy_name(name: str, dst: str) -> str:
    return f"{name} ({dst} copy)"


def _col(header: list[str], name: str, path: Path) -> int:
    if name not in header:
        raise InputError(f"{relative(path)}: expected a column '{name}', found {', '.join(header)}")
    return header.index(name)


def _copy_file(name: str, rule: Rekey, base: Path, target: Path, src: str, dst: str, force: bool,
               maps: dict[tuple[str, str], dict[str, str]], dropped: dict[tuple[str, str], set[str]],
               plan: Plan) -> Write | None:
    """The new text of data file ``name``: base rows (less ``dst``'s with ``force``) + ``src``'s re-keyed."""
    header, rows, newline = _read_csv(base)
    if rule.market is not None:
        m = _col(header, rule.market, base)
        is_src = [r[m] == src for r in rows]
        is_dst = [r[m] == dst for r in rows]
    else:
        assert rule.follows is not None
        col, other = rule.follows
        if (other, col) not in maps:
            plan.kept.append(f"{name}: {relative(base)} follows {other}, which was kept")
            return None
        c = _col(header, col, base)
        is_src = [r[c] in maps.get((other, col), {}) for r in rows]
        is_dst = [r[c] in dropped.get((other, col), set()) for r in rows]
    if any(is_dst) and (rule.only_if_absent or not force):
        why = "lists it already" if rule.only_if_absent else "has rows for it already (--force replaces them)"
        plan.kept.append(f"{name}: {relative(base)} {why}")
        return None
    if not any(is_src):
        plan.kept.append(f"{name}: {relative(base)} has no rows for {src}, none copied")
        return None
    for col in rule.ids:                                   # what --force drops, for the files that follow
        i = _col(header, col, base)
        dropped[(name, col)] = {r[i] for r, d in zip(rows, is_dst) if d}
    kept = [r for r, d in zip(rows, is_dst) if not d]
    copies = [list(r) for r, s in zip(rows, is_src) if s]
    note = COPY_SOURCE.format(src=src)
    for col in rule.ids:
        i = _col(header, col, base)
        mapping = {r[i]: rekey_id(r[i], src, dst) for r in copies}
        taken = {r[i] for r in kept}
        clash = sorted(set(mapping.values()) & taken) or ([] if len(set(mapping.values())) == len(mapping) else ["(twice)"])
        if clash:
            raise InputError(f"{relative(base)}: column '{col}': the copied id {clash[0]!r} is taken; expected "
                             f"ids that stay unique (rename it or drop the rows of {dst})")
        maps[(name, col)] = mapping
        for r in copies:
            r[i] = mapping[r[i]]
    if rule.follows is not None:
        col, other = rule.follows
        i = _col(header, col, base)
        for r in copies:
            r[i] = maps[(other, col)][r[i]]
    if rule.market is not None:
        m = _col(header, rule.market, base)
        for r in copies:
            r[m] = dst
    for col in rule.names:
        i = _col(header, col, base)
        for r in copies:
            r[i] = copy_name(r[i], dst)
    for col, value in ({"source": note} | rule.mark).items():
        if col in header:
            i = header.index(col)
            for r in copies:
                r[i] = value
    if name == "compliance.csv":
        _compliance_checklist(header, copies, target, plan)
    what = f"+{_rows(len(copies))} for {dst}, copies of {src}'s"
    if "source" in header:
        what += f' (source "{note}")'
        plan.replace.append(f"{relative(target)}: the {_rows(len(copies))} for {dst} marked \"{note}\"")
    elif not rule.only_if_absent:
        plan.replace.append(f"{relative(target)}: the {_rows(len(copies))} for {dst}")
    else:
        plan.replace.append(f"{relative(target)}: the row for {dst} (criteria values copied from {src})")
    if any(is_dst):
        what += f", replacing its {_rows(sum(is_dst))} before"
    return Write(target, _csv_text(header, kept + copies, newline), what)


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _compliance_checklist(header: list[str], copies: list[list[str]], target: Path, plan: Plan) -> None:
    item, basis, as_of = (header.index(c) for c in ("item", "basis", "as_of"))
    for r in copies:
        plan.verify.append(f"{relative(target)} item {r[item]}: {r[basis]} (as of {r[as_of]}; marked unverified)")


# ---------------------------------------------------------------------------------------------- scenario

def _source_layers(source: str) -> dict[str, Any]:
    """The source market's own settings: its scenario file(s) over the defaults, merged, defaults left out."""
    scn = scenario.load(source)
    out: dict[str, Any] = {}
    for path in scn.files:
        if path != SCENARIO_DIR / scenario.DEFAULTS_FILE:
            out = scenario.merge(out, scenario._read_yaml(path))
    return out


def _languages(code: str, fallback: list[str]) -> list[str]:
    from babel.languages import get_official_languages

    langs = [lang.split("_")[0] for lang in get_official_languages(code)]
    langs = [lang for lang in dict.fromkeys(langs) if len(lang) == 2]
    return langs + ["en"] * ("en" not in langs) if langs else list(fallback)


def _currency(code: str, fallback: str) -> str:
    from babel.numbers import get_territory_currencies

    found = [c for c in get_territory_currencies(code) if pycountry.currencies.get(alpha_3=c)]
    return found[0] if found else fallback


def build_scenario(src_data: dict[str, Any], src: str, dst: str, risk_ids: dict[str, str]) -> dict[str, Any]:
    data = copy.deepcopy(src_data)
    market = data.setdefault("market", {})
    market["code"] = dst
    market["currency"] = _currency(dst, market.get("currency", "USD"))
    market["languages"] = _languages(dst, market.get("languages", ["en"]))
    data["meta"] = {"example": False, "note": {
        "en": f"Added with 'crossborder market new {dst} --from {src}': the legal facts (market, landed, fact store) "
              f"are {src}'s until verified for {dst} against their sources; the commercial figures and the data rows "
              f"marked 'copy of {src}' are {src}'s, to be replaced with your own.",
        "zh-TW": f"以「crossborder market new {dst} --from {src}」新增：法規事實（market、landed、事實庫）在依出處查核前"
                 f"仍為 {src} 之值；商業數字與標示「copy of {src}」之資料列為 {src} 之示意資料，請以貴公司資料取代。",
    }}
    adjust = (data.get("risk") or {}).get("adjust")
    if isinstance(adjust, dict):
        data["risk"]["adjust"] = {risk_ids.get(k, k): v for k, v in adjust.items()}
    pilots = (data.get("plan") or {}).get("pilot_countries")
    if isinstance(pilots, list):
        data["plan"]["pilot_countries"] = list(dict.fromkeys(dst if p == src else p for p in pilots))
    return data


def _short(value: Any) -> str:
    if isinstance(value, dict):
        parts = [str(value[k]) for k in ("name", "agreement") if k in value]
        parts += [f"{k} {value[k]}" for k in ("rate", "mfn_rate") if k in value]
        return f" ({', '.join(parts)})" if parts else ""
    return ""


def _sourced(data: Any, path: str = "") -> list[tuple[str, str, str, Any]]:
    """Every (key path, value summary, source, as-of) in a YAML tree: mappings with a ``source`` and keys
    ``<x>_source`` (as-of in ``<x>_as_of`` or the mapping's ``as_of``)."""
    out: list[tuple[str, str, str, Any]] = []
    if isinstance(data, dict):
        if isinstance(data.get("source"), str):
            out.append((path, _short(data), data["source"], data.get("as_of")))
        for k, v in data.items():
            if isinstance(k, str) and k.endswith("_source") and isinstance(v, str):
                stem = k.removesuffix("_source")
                out.append((f"{path}.{k}".lstrip("."), "", v, data.get(f"{stem}_as_of", data.get("as_of"))))
            elif isinstance(v, (dict, list)):
                out += _sourced(v, f"{path}.{k}".lstrip("."))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _sourced(v, f"{path}[{i}]")
    return out


def _is_illustrative(source: str) -> bool:
    return source.strip().lower().startswith(("illustrative", "copy of"))


def _yaml_text(header: str, data: dict[str, Any]) -> str:
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


# ---------------------------------------------------------------------------------------------- facts

def _copy_facts(src: str, dst: str) -> dict[str, Any]:
    data = yaml.safe_load(facts.market_file(src).read_text(encoding="utf-8"))
    data["market"] = dst

    def mark(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("source"), str) and "as_of" in node:
                node["source"] = f"copy of {src}, not checked for {dst}: {node['source']}"
                node["verified"] = False
            for v in node.values():
                mark(v)
        elif isinstance(node, list):
            for v in node:
                mark(v)

    mark(data)
    return data


# ---------------------------------------------------------------------------------------------- the command

def plan(code: object, source: object, *, ship: bool = False, force: bool = False) -> Plan:
    """Build everything ``new_market`` would write, and the checklist, without writing anything."""
    dst = check_new_code(code)
    src = scenario.check_market(source, "--from")
    if src == dst:
        raise InputError(f"--from: expected another market than {dst} to copy, found {src}")
    shipped = SCENARIO_DIR / f"{dst}.yaml"
    target_scn = shipped if ship else user_scenario_dir() / f"{dst}.yaml"
    if shipped.exists() and not ship:
        raise InputError(f"market: {dst} ships with the workbook ({relative(shipped)}); save changes to it from a "
                         f"notebook, or pick another code")
    if dst in scenario.available_markets() and not force:
        raise InputError(f"market: {dst} exists already ({relative(shipped if shipped.exists() else target_scn)}); "
                         f"add --force to replace it")
    out_dir = DATA_DIR if ship else user_data_dir()
    result = Plan(code=dst, source=src)

    # data files, the ones others follow first
    maps: dict[tuple[str, str], dict[str, str]] = {}
    dropped: dict[tuple[str, str], set[str]] = {}
    names = registry.market_data_files()
    missing = [n for n in names if n not in RULES]
    if missing:
        raise InputError(f"crossborder.scenario.new_market.RULES: expected a rule for {', '.join(missing)}")
    for name in sorted(names, key=lambda n: RULES[n].follows is not None):
        base = DATA_DIR / name if ship else data_file(name)
        w = _copy_file(name, RULES[name], base, out_dir / name, src, dst, force, maps, dropped, result)
        if w is not None:
            result.writes.append(w)
            if ship and data_file(name) != w.path:
                result.notes.append(f"your own {relative(data_file(name))} replaces the shipped {name} and has no "
                                    f"rows for {dst}: add them there, or remove it")

    # the scenario, validated before anything is written
    src_data = _source_layers(src)
    data = build_scenario(src_data, src, dst, maps.get(("risks.csv", "id"), {}))
    defaults = SCENARIO_DIR / scenario.DEFAULTS_FILE
    scenario.build(dst, [(defaults, scenario._read_yaml(defaults)), (target_scn, data)])
    head = (f"# {country_name(dst, 'en')}: added by 'crossborder market new {dst} --from {src}' on {date.today()}.\n"
            f"# A copy of {src}'s scenario: verify every legal fact (source, as_of) for {dst}; replace the illustrative\n"
            f"# figures with your own (see meta.note).\n")
    result.writes.insert(0, Write(target_scn, _yaml_text(head, data),
                                  f"scenario, a copy of {src}'s (currency {data['market']['currency']}, "
                                  f"languages {', '.join(data['market']['languages'])})"))
    for path, short, src_text, as_of in _sourced(data):
        line = f"scenario {path}{short}: {src_text}" + (f" (as of {as_of})" if as_of else "")
        (result.replace if _is_illustrative(src_text) else result.verify).append(f"{relative(target_scn)} {line}")
    commercial = [s for s in data if s not in ("meta", "market")]
    result.replace.append(f"{relative(target_scn)}: the commercial figures of sections {', '.join(commercial)} "
                          f"(copied from {src}), and market.region")

    # the legal facts in the fact store
    if facts.has_market(dst) and facts.market(dst).import_vat:
        fact_path = facts.market_file(dst)
        fact_data = yaml.safe_load(fact_path.read_text(encoding="utf-8"))
        result.kept.append(f"facts/markets/{dst}.yaml: {relative(fact_path)} has {dst}'s own facts")
    elif facts.has_market(dst):
        # its own duties, but no import VAT yet (a candidate market of chapter 01): the source's VAT, marked
        fact_path = out_dir / "facts" / "markets" / f"{dst}.yaml"
        fact_data = yaml.safe_load(facts.market_file(dst).read_text(encoding="utf-8"))
        fact_data["import_vat"] = _copy_facts(src, dst).get("import_vat", [])
        facts._validate(facts.MarketFacts, fact_data, fact_path)
        result.writes.append(Write(fact_path, _yaml_text(
            f"# Legal facts for {dst}: its own duties; import VAT a COPY of {src}'s, unverified. Replace it.\n",
            fact_data), f"legal facts: {dst}'s duties, import VAT a copy of {src}'s (unverified)"))
    else:
        fact_path = out_dir / "facts" / "markets" / f"{dst}.yaml"
        fact_data = _copy_facts(src, dst)
        facts._validate(facts.MarketFacts, fact_data, fact_path)
        result.writes.append(Write(fact_path, _yaml_text(
            f"# Legal facts for {dst}: a COPY of {src}'s, every record unverified. Replace each with {dst}'s own.\n",
            fact_data), f"legal facts, a copy of {src}'s (every record marked unverified)"))
    for path, short, src_text, as_of in _sourced(fact_data):
        result.verify.append(f"{relative(fact_path)} {path}{short}: {src_text}" + (f" (as of {as_of})" if as_of else ""))
    return result


def write(p: Plan) -> None:
    """Write a plan's files atomically; if one fails, put back those already written and re-raise."""
    done: list[tuple[Path, bytes | None]] = []
    try:
        for w in p.writes:
            before = w.path.read_bytes() if w.path.exists() else None
            w.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(w.path, w.text)
            done.append((w.path, before))
    except BaseException:
        for path, before in reversed(done):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write_bytes(path, before)
        raise


def new_market(code: object, source: object, *, ship: bool = False, force: bool = False) -> Plan:
    """Add market ``code`` as a copy of ``source`` (see the module docstring); returns what was done."""
    p = plan(code, source, ship=ship, force=force)
    write(p)
    return p
