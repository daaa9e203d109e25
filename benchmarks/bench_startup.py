"""Start-up costs a user feels before any work: loading a scenario in a fresh process, and the command line
refusing bad input.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5]

Targets on a 2-core machine: `scenario.load('DE')` in a fresh process at most 1 s; `crossborder report ZZ`
and `crossborder report DE --only 77` refused (exit 2) in at most 1 s. Each is a fresh interpreter, so the
figures include Python's own start-up; the median of the repeats is printed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "scenario.load('DE'), fresh process": [sys.executable, "-c", "from crossborder import scenario; scenario.load('DE')"],
    "crossborder report ZZ (refused)": [sys.executable, "-m", "crossborder.cli", "report", "ZZ"],
    "crossborder report DE --only 77 (refused)": [sys.executable, "-m", "crossborder.cli", "report", "DE", "--only", "77"],
    "crossborder facts US": [sys.executable, "-m", "crossborder.cli", "facts", "US", "--on", "2026-03-01"],
}
TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'case':<45} {'median s':>9} {'max s':>7}  target {TARGET_S:.1f} s")
    for name, cmd in CASES.items():
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=False)
            times.append(time.perf_counter() - start)
        med = statistics.median(times)
        print(f"{name:<45} {med:>9.2f} {max(times):>7.2f}  {'met' if med <= TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    main()
