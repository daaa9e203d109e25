"""The workshop's end of day: the three pilot markets in both languages as one pack, cold, then again after one
changed value, then again with no change.

    .venv/bin/python benchmarks/bench_pack.py [--markets DE,JP,US] [--langs zh-TW,en] [--jobs 2]

Targets (issue "Speed and scale", on 2 cores): cold at most 60 s; after one value in one chapter's section of a user
overlay changes at most 15 s; with no change at most 5 s; the largest process at most 600 MB. Renders into a
temporary folder with its own user folder (so the cache starts empty); prints each figure with its target and
the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def pack(markets: list[str], langs: str, jobs: int, root: Path) -> float:
    env = {**os.environ, "CROSSBORDER_REPORTS": str(root / "reports"), "CROSSBORDER_HOME": str(root / "home")}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "crossborder.cli", "pack", *markets, "--lang", langs, "--jobs",
                           str(jobs), "--as-of", "2026-11-29"], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"pack failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", default="DE,JP,US")
    parser.add_argument("--langs", default="zh-TW,en")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    markets = args.markets.split(",")
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    with tempfile.TemporaryDirectory(prefix="crossborder-bench-pack-") as tmp:
        root = Path(tmp)
        cold = pack(markets, args.langs, args.jobs, root)
        print(f"cold pack {args.markets} x {args.langs}: {cold:6.1f} s   (target <= 60 s)")
        overlay = root / "home" / "scenarios" / f"{markets[0]}.yaml"
        overlay.parent.mkdir(parents=True, exist_ok=True)
        overlay.write_text("pricing:\n  stress:\n    fx_shift: 0.05\n", encoding="utf-8")
        warm = pack(markets, args.langs, args.jobs, root)
        print(f"after one changed value ({markets[0]} pricing.stress.fx_shift): {warm:6.1f} s   (target <= 15 s)")
        same = pack(markets, args.langs, args.jobs, root)
        print(f"no change: {same:6.1f} s   (target <= 5 s)")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of the largest process: {peak_mb:.0f} MB   (target <= 600 MB)")


if __name__ == "__main__":
    main()
