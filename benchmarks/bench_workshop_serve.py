"""A class opening the app at once: N participants (default 20) load a chapter's app page simultaneously from
``crossborder workshop serve`` (real command, token, cap N); prints the time to the first chart per page and the
peak memory of the whole process tree (Voilà + kernels, sum of RSS). Requests go to 127.0.0.1 only, one per
participant, plus one over the cap (expects the "server full" page). Run from the project root:

    PYTHONPATH=$PWD/lib python benchmarks/bench_workshop_serve.py [--users 20] [--chapter 00_overview.ipynb]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CHART = (b"application/vnd.jupyter.widget-view+json", b"application/vnd.plotly.v1+json")


def tree_rss(pid: int) -> int:
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def load(port: int, path: str, out: dict) -> None:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        out["status"] = resp.status
        seen = b""
        while chunk := resp.read1(65536):
            if "first_chart" not in out and any(m in seen[-200:] + chunk for m in CHART):
                out["first_chart"] = time.perf_counter() - start
            seen = (seen + chunk)[-400:]
        out["done"] = time.perf_counter() - start
    except OSError as exc:
        out["error"] = str(exc)
    finally:
        conn.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--chapter", default="00_overview.ipynb")
    args = ap.parse_args()
    users = max(1, min(args.users, 50))
    with tempfile.TemporaryDirectory(prefix="crossborder-bench-serve-") as tmp:
        log = Path(tmp) / "serve.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "lib"), "CROSSBORDER_HOME": str(Path(tmp) / "owner"),
               "CROSSBORDER_REPORTS": str(Path(tmp) / "reports")}
        with open(log, "wb") as fh:
            proc = subprocess.Popen([sys.executable, "-m", "crossborder.cli", "workshop", "serve",
                                     "--max-apps", str(users)], stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + 90
            while not (m := re.search(r"127\.0\.0\.1:(\d+)/\?token=(\S+)", log.read_text(errors="replace"))):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(log.read_text(errors="replace"))
                time.sleep(0.3)
            port, token = int(m.group(1)), m.group(2)
            time.sleep(3)  # Voilà listening
            idle = tree_rss(proc.pid)
            peak = [idle]
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    peak[0] = max(peak[0], tree_rss(proc.pid))
                    time.sleep(0.25)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            path = f"/voila/render/{args.chapter}?token={token}"
            results = [{} for _ in range(users)]
            threads = [threading.Thread(target=load, args=(port, path, r)) for r in results]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - start
            over: dict = {}
            load(port, path, over)
            stop.set()
            sampler.join()
            kernels = [p for p in psutil.Process(proc.pid).children(recursive=True)
                       if "crossborder.serve.kernel" in " ".join(p.cmdline())]
            firsts = sorted(r["first_chart"] for r in results if "first_chart" in r)
            ok = sum(r.get("status") == 200 for r in results)
            print(f"{users} simultaneous loads of {args.chapter} on {os.cpu_count()} cores: {ok} pages 200, "
                  f"{len(firsts)} with a chart, all done in {wall:.1f} s")
            if firsts:
                print(f"time to first chart: fastest {firsts[0]:.1f} s, median {statistics.median(firsts):.1f} s, "
                      f"slowest {firsts[-1]:.1f} s")
            print(f"memory (sum of RSS, Voilà + kernels): idle {idle / 2**20:.0f} MB, peak {peak[0] / 2**20:.0f} MB "
                  f"({(peak[0] - idle) / 2**20 / max(1, users):.0f} MB a participant); kernels running: {len(kernels)}")
            print(f"one load over the cap: HTTP {over.get('status')}")
            tree = psutil.Process(proc.pid).children(recursive=True)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
            _, alive = psutil.wait_procs(tree, timeout=15)
            print(f"after SIGTERM: {len(alive)} of {len(tree)} processes left")
        finally:
            if proc.poll() is None:
                proc.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
