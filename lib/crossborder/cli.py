"""The ``crossborder`` command.

    crossborder report [MARKET ...] [--lang zh-TW,en] [--jobs N] [--as-of YYYY-MM-DD] [--only 00,01]
    crossborder pack [MARKET ...] [--lang zh-TW,en] [--as-of YYYY-MM-DD] [--jobs N] [--force]
    crossborder export MARKET [--lang en] [--as-of YYYY-MM-DD] [--only 03,10]   (the report as an Excel workbook)
    crossborder template NAME [--lang en]      (an Excel template of a data file, e.g. risks, into the user folder)
    crossborder scenario export|import MARKET [FILE.xlsx]   (the scenario as a workbook, and back as your overlay)
    crossborder markets
    crossborder market new CODE --from DE [--ship] [--force]   (add a market as a copy of another)
    crossborder facts MARKET [--on YYYY-MM-DD] [--lang en|zh-TW] [--json]
    crossborder plan init|set|show|history ...   (the 90-day plan tracker, see crossborder.chapters.plan.cli)
    crossborder workshop build|serve|slides ...

Exit codes: 0 done, 1 some report failed (a summary names each failure), 2 bad input (one line, nothing
written).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from crossborder import scenario
from crossborder.core import paths
from crossborder.core.errors import InputError
from crossborder.core.i18n import DEFAULT_LANG, check_lang, country_name
from crossborder.core.text import brief_repr


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one clear line, exit 2
        print(f"crossborder: {message} (see crossborder --help)", file=sys.stderr)
        raise SystemExit(2)


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _as_of(text: str, where: str = "--as-of") -> date:
    from crossborder.core import facts

    try:
        on = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{where}: expected a date YYYY-MM-DD, found {brief_repr(text)}") from None
    return facts.check_date(on, where)


def _check_report_args(args: argparse.Namespace) -> None:
    """Refuse bad markets, languages, chapters and dates before the report machinery is even imported."""
    from crossborder.core import facts, registry
    from crossborder.core.i18n import check_lang

    langs = _csv(args.lang)
    if not langs:
        raise InputError(f"--lang: expected zh-TW, en or both, found {args.lang!r}")
    for lang in langs:
        check_lang(lang, "--lang")
    for code in args.markets:
        scenario.check_market(code, "market")
    if args.only is not None:
        registry.select(_csv(args.only) if _csv(args.only) else [""])
    if args.as_of:
        facts.check_date(_as_of(args.as_of), "--as-of")
    if args.jobs < 1:
        raise InputError(f"--jobs: expected a whole number >= 1, found {args.jobs}")


def cmd_report(args: argparse.Namespace) -> int:
    _check_report_args(args)
    from crossborder.report.build import plan, render

    jobs = plan(args.markets, _csv(args.lang), _as_of(args.as_of) if args.as_of else date.today(),
                paths.reports_dir(), _csv(args.only) if args.only else None, use_cache=not args.force)
    if args.jobs < 1:
        raise InputError(f"--jobs: expected a whole number >= 1, found {args.jobs}")
    print(f"Rendering {len(jobs)} market(s) x {len(jobs[0].langs)} language(s), {len(jobs[0].notebooks)} "
          f"chapter(s) each, {min(args.jobs, len(jobs))} at a time ...", file=sys.stderr, flush=True)
    outcomes = render(jobs, workers=args.jobs)
    failed = [o for o in outcomes if not o.ok]
    for o in outcomes:
        if o.ok:
            print(o.pdf)
    if failed:
        print(f"\n{len(failed)} of {len(outcomes)} report(s) failed:", file=sys.stderr)
        for o in failed:
            for line in o.failures:
                print(f"  {o.code} {o.lang}: {line}", file=sys.stderr)
        return 1
    return 0


def default_pilots(as_of: date) -> list[str]:
    """The pilot markets chapter 01 recommends (for the first example market's scenario), among the markets
    that can be rendered; the CLI may read a chapter, the report layer may not."""
    from crossborder.chapters import markets as ch01

    scn = scenario.load(scenario.example_markets()[0])
    plants = list(scn.exporter.origin_plants)
    data = ch01.load_data(as_of=as_of, plants=plants)
    result = ch01.analyse(data, ch01.settings_of(scn), plants, "en")
    available = set(scenario.available_markets())
    picked = [c for c in result.pilot.index if c in available]
    ranked = [c for c in result.table.index if c in available and c not in picked]
    return (picked + ranked)[:3]


def cmd_pack(args: argparse.Namespace) -> int:
    _check_report_args(args)
    from crossborder.report.build import plan
    from crossborder.report.pack import build_pack

    as_of = _as_of(args.as_of) if args.as_of else date.today()
    markets = args.markets or default_pilots(as_of)
    jobs = plan(markets, _csv(args.lang), as_of, paths.reports_dir(), None, use_cache=not args.force)
    print(f"Packing {', '.join(j.code for j in jobs)} in {', '.join(jobs[0].langs)} ...", file=sys.stderr, flush=True)
    outcomes, packs = build_pack(jobs, min(args.jobs, len(jobs)), as_of, paths.reports_dir())
    for p in packs:
        if p.pdf is not None:
            print(p.pdf)
    if args.xlsx and all(o.ok for o in outcomes):
        from crossborder.excel.report_book import comparison

        books = _export_books([j.code for j in jobs], list(jobs[0].langs), as_of)
        for _, _, path in books:
            print(path)
        for lang in jobs[0].langs:
            mine = {code: path for code, lg, path in books if lg == lang}
            print(comparison(mine, paths.reports_dir() / f"pack-comparison-{lang}.xlsx", lang))
    problems = [f"  {o.code} {o.lang}: {line}" for o in outcomes for line in o.failures]
    problems += [f"  pack {p.lang}: {line}" for p in packs for line in p.failures if p.pdf is None]
    if problems:
        print("\nSome markets or packs failed:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
    return 0


def _export_books(codes: list[str], langs: list[str], as_of: date) -> list:
    from crossborder.excel.report_book import export_workbook

    books = []
    for code in codes:
        for lang in langs:
            folder = paths.reports_dir() / code / f"executed-{lang}"
            books.append((code, lang, export_workbook(code, lang, as_of, folder,
                                                      paths.reports_dir() / code / f"{code}-{lang}.xlsx")))
    return books


def cmd_export(args: argparse.Namespace) -> int:
    """Render (unchanged chapters come from the cache), then write the workbook from the executed notebooks."""
    args.markets, args.jobs = [args.market], 1
    _check_report_args(args)
    from crossborder.report.build import plan, render

    as_of = _as_of(args.as_of) if args.as_of else date.today()
    jobs = plan(args.markets, _csv(args.lang), as_of, paths.reports_dir(), _csv(args.only) if args.only else None,
                use_cache=not args.force)
    outcomes = render(jobs, workers=1)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        for o in failed:
            for line in o.failures:
                print(f"  {o.code} {o.lang}: {line}", file=sys.stderr)
        return 1
    for _, _, path in _export_books([j.code for j in jobs], list(jobs[0].langs), as_of):
        print(path)
    return 0


# data file name -> (module, loader): the loader reads a path with the file's column specs (``crossborder template``)
TEMPLATES: dict[str, tuple[str, str]] = {
    "products": ("crossborder.chapters.pricing.data", "load_products"),
    "platforms": ("crossborder.chapters.platforms.data", "load_channels"),
    "invoices": ("crossborder.chapters.payments.data", "load_invoices"),
    "credit_customers": ("crossborder.chapters.payments.data", "load_customers"),
    "orders_to_screen": ("crossborder.chapters.payments.data", "load_orders"),
    "compliance": ("crossborder.chapters.landed.data", "load_compliance"),
    "markets": ("crossborder.chapters.markets.data", "load_markets"),
    "funnel": ("crossborder.chapters.funnel.data", "load_funnel"),
    "leads": ("crossborder.chapters.funnel.data", "load_leads"),
    "customers": ("crossborder.chapters.funnel.data", "load_customers"),
    "orders": ("crossborder.chapters.funnel.data", "load_orders"),
    "kpis": ("crossborder.chapters.funnel.data", "load_kpis"),
    "risks": ("crossborder.chapters.risk.data", "load_register"),
}


def template_spec(name: str):
    """(columns, shipped rows as text) of data file ``name``: its loader reads the shipped file, recording the specs."""
    import importlib

    import pandas as pd

    from crossborder.core import tables

    if name not in TEMPLATES:
        raise InputError(f"template: expected one of {', '.join(TEMPLATES)}, found {brief_repr(name)}")
    module, loader = TEMPLATES[name]
    shipped = paths.DATA_DIR / f"{name}.csv"
    with tables.capture() as seen:
        getattr(importlib.import_module(module), loader)(shipped)
    columns, _ = seen[str(shipped.resolve())]
    example = pd.read_csv(shipped, dtype=str, keep_default_na=False, index_col=False)
    return columns, example


def cmd_template(args: argparse.Namespace) -> int:
    from crossborder.excel.template import write_template

    lang = check_lang(args.lang, "--lang")
    columns, example = template_spec(args.name)
    out = paths.user_data_dir() / f"{args.name}.template.xlsx"
    print(write_template(args.name, columns, example, out, lang))
    print(f"Fill it in, then save it as {paths.relative(paths.user_data_dir() / (args.name + '.xlsx'))} "
          f"(a {args.name}.csv there takes precedence)", file=sys.stderr)
    return 0


def cmd_scenario_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crossborder.excel.scenario_book import export_scenario

    code = scenario.check_market(args.market)
    lang = check_lang(args.lang, "--lang")
    out = Path(args.file) if args.file else paths.user_home() / f"{code}-scenario.xlsx"
    if out.suffix.lower() != ".xlsx":
        raise InputError(f"FILE: expected a name ending in .xlsx, found {brief_repr(str(out))}")
    print(export_scenario(code, out, lang))
    return 0


def cmd_scenario_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crossborder.excel.scenario_book import import_scenario

    path, changed = import_scenario(args.market, Path(args.file))
    print(path)
    print(f"{len(changed)} value(s) differ from the shipped scenario" + (": " + ", ".join(changed) if changed else ""),
          file=sys.stderr)
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    import json

    from crossborder.core import facts, fmt
    from crossborder.core.i18n import check_lang

    lang = check_lang(args.lang, "--lang")
    on = facts.check_date(_as_of(args.on, "--on") if args.on else date.today(), "--on")
    code = args.market.strip().upper() if isinstance(args.market, str) else args.market
    if not (isinstance(code, str) and len(code) == 2 and code.isalpha()):
        raise InputError(f"market: expected a two-letter ISO 3166-1 code such as DE, found {str(args.market)[:40]!r}")
    if not facts.has_market(code):
        raise InputError(f"market: no fact file for {code} (expected data/facts/markets/{code}.yaml); "
                         f"available: {', '.join(facts.market_codes())}")
    currencies: list[str] = []
    after = 365
    if code in scenario.available_markets():
        scn = scenario.load(code)
        currencies = list(dict.fromkeys([scn.exporter.home_currency, scn.market.currency]))
        after = scn.facts.stale_after_days
    rows = facts.listing(code, on, lang, stale_after_days=after, currencies=currencies)
    if args.json:
        print(json.dumps({"market": code, "on": on.isoformat(), "stale_after_days": after,
                          "facts": [r.as_json() for r in rows]}, ensure_ascii=False, indent=1))
        return 0
    head = (f"Facts in force for {country_name(code, lang)} on {on} (stale: as-of older than {after} days)"
            if lang == "en" else f"{country_name(code, lang)} 於 {on} 適用之事實（查核日期逾 {after} 天者標示為過時）")
    print(head)
    for r in rows:
        window = f"{r.valid_from or '…'} – {r.valid_until or '…'}"
        flags = []
        if r.stale:
            flags.append("STALE" if lang == "en" else "過時")
        if not r.verified:
            flags.append("unverified" if lang == "en" else "未查證")
        flag = f" [{', '.join(flags)}]" if flags else ""
        print(f"  {r.topic:<13} {r.subject:<8} {fmt.percent(r.value, lang, 2):>8}  {r.name}{flag}")
        if r.source != "—":
            as_of = "as of" if lang == "en" else "查核日期"
            print(f"  {'':<13} {'':<8} {'':>8}  {r.source} ({as_of} {r.as_of}; {window})")
    return 0


def cmd_markets(_args: argparse.Namespace) -> int:
    """Markets a report can render; a scenario file that cannot be used is named on stderr, not listed."""
    for name in scenario.available_markets():
        try:
            code = scenario.check_market(name)
            if code != name:
                raise InputError(f"{name}.yaml: expected an upper-case market code in the file name ({code}.yaml)")
            scenario.load(code)
            label = f"{country_name(code, 'en')} / {country_name(code, 'zh-TW')}"
        except (InputError, LookupError) as exc:
            print(f"crossborder: warning: skipped {brief_repr(name, 20)}: {str(exc).splitlines()[0]}", file=sys.stderr)
            continue
        print(f"{code}  {label}")
    return 0


def cmd_market_new(args: argparse.Namespace) -> int:
    from crossborder.scenario import new_market

    done = new_market.new_market(args.code, args.source, ship=args.ship, force=args.force)
    print(done.checklist())
    return 0


def cmd_workshop_build(args: argparse.Namespace) -> int:
    from crossborder import workshop

    langs = [check_lang(lang, "--lang") for lang in _csv(args.lang)]  # every value checked before anything is written
    if not langs:
        raise InputError("--lang: expected at least one of zh-TW, en, found nothing")
    for lang in dict.fromkeys(langs):
        for teacher in ((False, True) if args.teacher else (False,)):
            folder, zipped = workshop.build_pack(lang, teacher=teacher)
            print(folder)
            print(zipped)
    return 0


def cmd_workshop_serve(args: argparse.Namespace) -> int:
    from crossborder.serve import run

    notebook = None
    if args.chapter:
        from crossborder.core import registry

        notebook = registry.select([args.chapter], "chapter")[0].notebook
    opts = run.ServeOptions(port=args.port, notebook=notebook, public=args.public, allow_save=args.allow_save,
                            max_kernels=args.max_apps, idle_minutes=args.idle_minutes,
                            kernel_memory_mb=args.kernel_memory_mb, lang=args.lang)
    return run.serve(opts)


def cmd_workshop_slides(args: argparse.Namespace) -> int:
    from crossborder import workshop

    as_of = _as_of(args.as_of) if args.as_of else date.today()
    langs = [check_lang(lang, "--lang") for lang in _csv(args.lang)]
    codes = [scenario.check_market(code) for code in args.markets]
    for code in codes:
        for lang in langs:
            print(workshop.build_slides(code, lang, as_of))
    return 0


def _add_workshop(sub: argparse._SubParsersAction) -> None:
    ws = sub.add_parser("workshop", help="handout packs, app view and slides for teaching")
    wsub = ws.add_subparsers(dest="workshop_command", required=True, parser_class=_Parser)
    build = wsub.add_parser("build", help="write the student pack (and the teacher's with --teacher) to reports/workshop/")
    build.add_argument("--lang", default=DEFAULT_LANG, help="comma-separated: zh-TW, en (default zh-TW)")
    build.add_argument("--teacher", action="store_true", help="also write the teacher's pack, with solutions")
    build.set_defaults(func=cmd_workshop_build)
    serve = wsub.add_parser("serve", help="serve the chapters as apps with Voilà (token, localhost, bounded; code hidden)")
    serve.add_argument("chapter", nargs="?", help="one chapter, e.g. 08 (default: a page listing all)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument("--public", action="store_true",
                       help="listen on every network interface (default: 127.0.0.1 only); the token is still needed")
    serve.add_argument("--allow-save", action="store_true",
                       help="show 'save scenario' in the apps; each app saves into its own session folder of the run")
    serve.add_argument("--max-apps", type=int, default=20, help="most apps (kernels) open at once (default 20)")
    serve.add_argument("--idle-minutes", type=int, default=20, help="close an app idle this long (default 20)")
    serve.add_argument("--kernel-memory-mb", type=int, default=2048, help="memory cap of each app (default 2048)")
    serve.add_argument("--lang", default="zh-TW", help="the apps' language: zh-TW (default) or en")
    serve.set_defaults(func=cmd_workshop_serve)
    slides = wsub.add_parser("slides", help="a PowerPoint deck per market and language in reports/workshop/slides/")
    slides.add_argument("markets", nargs="+", metavar="MARKET")
    slides.add_argument("--lang", default=DEFAULT_LANG, help="comma-separated: zh-TW, en (default zh-TW)")
    slides.add_argument("--as-of", help="date of the figures YYYY-MM-DD (default today)")
    slides.set_defaults(func=cmd_workshop_slides)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="crossborder", description="Cross-border B2B strategy workbook")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    rep = sub.add_parser("report", help="render PDF reports per market and language")
    rep.add_argument("markets", nargs="*", metavar="MARKET", help="ISO 3166-1 alpha-2 codes (default: all examples)")
    rep.add_argument("--lang", default=DEFAULT_LANG, help="comma-separated: zh-TW, en (default zh-TW)")
    rep.add_argument("--jobs", type=int, default=1, help="markets rendered in parallel (default 1)")
    rep.add_argument("--as-of", help="report date YYYY-MM-DD (default today)")
    rep.add_argument("--only", help="comma-separated chapter numbers or names, e.g. 00,01")
    rep.add_argument("--force", action="store_true",
                     help="run every chapter and print every PDF again, ignoring the cache of unchanged results")
    rep.set_defaults(func=cmd_report)

    pk = sub.add_parser("pack", help="the pilot markets side by side, then each market's report: one PDF per language")
    pk.add_argument("markets", nargs="*", metavar="MARKET", help="ISO codes (default: the pilots chapter 01 recommends)")
    pk.add_argument("--lang", default=DEFAULT_LANG, help="comma-separated: zh-TW, en (default zh-TW)")
    pk.add_argument("--jobs", type=int, default=2, help="markets rendered in parallel (default 2)")
    pk.add_argument("--as-of", help="report date YYYY-MM-DD (default today)")
    pk.add_argument("--force", action="store_true", help="render every chapter again, ignoring the cache")
    pk.add_argument("--xlsx", action="store_true", help="also write each market's Excel workbook and a comparison")
    pk.set_defaults(func=cmd_pack, only=None)

    ex = sub.add_parser("export", help="the market's report as an Excel workbook: reports/<CODE>/<CODE>-<lang>.xlsx")
    ex.add_argument("market", metavar="MARKET")
    ex.add_argument("--lang", default=DEFAULT_LANG, help="comma-separated: zh-TW, en (default zh-TW)")
    ex.add_argument("--as-of", help="report date YYYY-MM-DD (default today)")
    ex.add_argument("--only", help="comma-separated chapter numbers or names, e.g. 03,10")
    ex.add_argument("--force", action="store_true", help="run every chapter again, ignoring the cache")
    ex.set_defaults(func=cmd_export)

    tp = sub.add_parser("template", help="an Excel template of a data file into the user folder's data/")
    tp.add_argument("name", metavar="NAME", help=", ".join(TEMPLATES))
    tp.add_argument("--lang", default="en", help="en or zh-TW (default en)")
    tp.set_defaults(func=cmd_template)

    sc = sub.add_parser("scenario", help="a market's scenario as an Excel workbook, and an edited one back")
    ssub = sc.add_subparsers(dest="scenario_command", required=True, parser_class=_Parser)
    sx = ssub.add_parser("export", help="one sheet per section: key, value, unit, allowed, meaning, set by")
    sx.add_argument("market", metavar="MARKET")
    sx.add_argument("file", nargs="?", metavar="FILE.xlsx", help="default: <user folder>/<CODE>-scenario.xlsx")
    sx.add_argument("--lang", default="en", help="en or zh-TW (default en)")
    sx.set_defaults(func=cmd_scenario_export)
    si = ssub.add_parser("import", help="save the workbook's changed values as your overlay (nothing written on error)")
    si.add_argument("market", metavar="MARKET")
    si.add_argument("file", metavar="FILE.xlsx")
    si.set_defaults(func=cmd_scenario_import)

    fa = sub.add_parser("facts", help="the legal and market facts in force for a market on a date, with sources")
    fa.add_argument("market", metavar="MARKET")
    fa.add_argument("--on", help="date YYYY-MM-DD (default today)")
    fa.add_argument("--lang", default="en", help="en or zh-TW (default en)")
    fa.add_argument("--json", action="store_true", help="machine-readable output")
    fa.set_defaults(func=cmd_facts)

    mk = sub.add_parser("markets", help="list the markets that have a scenario")
    mk.set_defaults(func=cmd_markets)

    mn = sub.add_parser("market", help="add a market")
    msub = mn.add_subparsers(dest="market_command", required=True, parser_class=_Parser)
    new = msub.add_parser("new", help="add market CODE as a copy of another: its scenario, its rows in every data "
                                      "file and its legal facts, then print the checklist of facts to verify")
    new.add_argument("code", metavar="CODE", help="ISO 3166-1 alpha-2 code of the new market, e.g. FR")
    new.add_argument("--from", dest="source", required=True, metavar="MARKET", help="the market to copy, e.g. DE")
    new.add_argument("--ship", action="store_true", help="write into data/ (to ship it) instead of the user folder")
    new.add_argument("--force", action="store_true", help="replace the market if it exists (its rows too)")
    new.set_defaults(func=cmd_market_new)

    from crossborder.chapters.plan.cli import add_commands as add_plan_commands

    add_plan_commands(sub, _Parser)
    _add_workshop(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        lines = str(exc).splitlines() or ["bad input"]
        more = f" (and {len(lines) - 1} more problem(s) in the same input)" if len(lines) > 1 else ""
        print(f"crossborder: {lines[0]}{more}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
