"""Time and memory of rendering reports: one market alone, then every example market with --jobs 2.

    .venv/bin/python benchmarks/bench_reports.py [--langs zh-TW,en] [--jobs 2] [--markets DE,JP]

Targets on a 2-core machine: one market's PDF in at most 30 s; all example markets with --jobs 2 in at most
3 minutes. Renders into a temporary folder; prints per-market and total wall time and peak memory (the largest
resident set of any process involved: the command, its workers, the kernels, Chromium).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crossborder import scenario


def render(markets: list[str], langs: str, jobs: int, out: Path) -> tuple[float, str]:
    env = {**os.environ, "CROSSBORDER_REPORTS": str(out), "CROSSBORDER_HOME": str(out / "home")}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "crossborder.cli", "report", *markets, "--lang", langs,
                           "--jobs", str(jobs), "--as-of", "2026-11-29"], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"report failed:\n{proc.stderr}")
    return wall, proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--langs", default="zh-TW,en")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--markets", default=",".join(scenario.example_markets()))
    args = parser.parse_args()
    markets = args.markets.split(",")
    with tempfile.TemporaryDirectory(prefix="crossborder-bench-") as tmp:
        out = Path(tmp)
        single, _ = render(markets[:1], "zh-TW", 1, out / "single")
        print(f"one market ({markets[0]}, zh-TW, all chapters), alone: {single:6.1f} s   (target <= 30 s)")
        total, log = render(markets, args.langs, args.jobs, out / "all")
        per_market: dict[str, float] = {}
        for code, lang, seconds in re.findall(r"\[(\w\w) ([\w-]+)\] PDF written \(([\d.]+) s\)", log):
            per_market[code] = per_market.get(code, 0.0) + float(seconds)
        for code in markets:
            print(f"  {code}: {per_market.get(code, float('nan')):6.1f} s for {args.langs} (inside the parallel run)")
        print(f"all {len(markets)} markets x {args.langs} with --jobs {args.jobs}: {total:6.1f} s   (target <= 180 s)")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of the largest process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
