"""The ``crossborder`` command.

    crossborder report [MARKET ...] [--lang zh-TW,en] [--jobs N] [--as-of YYYY-MM-DD] [--only 00,01]
    crossborder pack [MARKET ...] [--lang zh-TW,en] [--as-of YYYY-MM-DD] [--jobs N] [--force]
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
    problems = [f"  {o.code} {o.lang}: {line}" for o in outcomes for line in o.failures]
    problems += [f"  pack {p.lang}: {line}" for p in packs for line in p.failures if p.pdf is None]
    if problems:
        print("\nSome markets or packs failed:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
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
    import subprocess

    from crossborder import workshop

    notebook = None
    if args.chapter:
        from crossborder.core import registry

        notebook = registry.select([args.chapter], "chapter")[0].notebook
    import tempfile
    from pathlib import Path

    port = args.port or workshop.free_port()
    with tempfile.TemporaryDirectory(prefix="crossborder-app-") as tmp:
        # the apps are copies in one language without exercises and worked solutions
        folder = workshop.app_notebooks(args.lang, Path(tmp))
        print(f"Serving the workbook as apps on http://127.0.0.1:{port}/ (Ctrl-C stops)", file=sys.stderr, flush=True)
        proc = subprocess.Popen(workshop.serve_command(port, notebook, folder))
        try:
            return proc.wait()
        except KeyboardInterrupt:
            return 0
        finally:  # stopping the command stops its Voilà child
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


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
    serve = wsub.add_parser("serve", help="serve the chapters as apps with Voilà on localhost (code hidden)")
    serve.add_argument("chapter", nargs="?", help="one chapter, e.g. 08 (default: a page listing all)")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
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
    pk.set_defaults(func=cmd_pack, only=None)

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
