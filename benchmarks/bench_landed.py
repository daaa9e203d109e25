"""Benchmark the landed-cost chapter: model arithmetic, a full grid, and the control panel's recompute.

Run: PYTHONPATH=lib python benchmarks/bench_landed.py
Targets (the chapter's own, the issue names none): a control change recomputes every output in under 1 s
with live widgets (the model part in well under 0.1 s); a 11-rule x 10,000-quantity grid in under 1 s.
Prints wall and CPU seconds (the machine may be shared: CPU time is the steadier number).
"""

from __future__ import annotations

import time
from datetime import date

import numpy as np

from crossborder import scenario
from crossborder.chapters import landed

AS_OF = date(2026, 11, 29)


def timed(label: str, fn, repeat: int = 5) -> None:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    print(f"{label:<58} wall {min(walls) * 1000:9.1f} ms   cpu {min(cpus) * 1000:9.1f} ms   (best of {repeat})")


def main() -> None:
    markets = scenario.example_markets()
    scns = {code: scenario.load(code) for code in markets}
    incoterms = landed.load_incoterms()
    timed("load_incoterms (validated, cached by mtime)", landed.load_incoterms)
    timed("load_compliance (validated)", landed.load_compliance)
    timed("quote: default shipment, all six markets", lambda: [landed.quote(s, as_of=AS_OF, incoterms=incoterms)
                                                                for s in scns.values()])
    res = landed.resolve(scns["DE"], as_of=AS_OF)
    qty = np.arange(1, 10_001)
    timed("grid: 11 rules x 10,000 quantities (DE), summary per cell",
          lambda: landed.grid(res, landed.RULES, qty, 380.0, "sea", incoterms), repeat=3)
    timed("compute (long table, 1.54 M lines) + summarize, same grid",
          lambda: landed.summarize(landed.compute(res, landed.RULES, qty, 380.0, "sea", incoterms)), repeat=3)
    comp = landed.load_compliance()
    timed("readiness (CPM) for all six markets", lambda: [landed.market_readiness(s, comp) for s in scns.values()])
    panel = landed.panel(scns["DE"], "zh-TW", as_of=AS_OF, incoterms=incoterms)
    values = dict(panel.values)
    timed("panel render (model + 3 figures + 2 tables, no widgets)", lambda: panel.render(**values))
    w, c = time.perf_counter(), time.process_time()
    _ = panel.figures
    print(f"{'panel: build live FigureWidgets (first display)':<58} wall {(time.perf_counter() - w) * 1000:9.1f} ms   "
          f"cpu {(time.process_time() - c) * 1000:9.1f} ms")
    quantities = iter(range(210, 100_000, 10))
    timed("panel: one control change, outputs patched in place", lambda: setattr(panel.controls["quantity"], "value",
                                                                                  next(quantities)))
    timed("headline (quote, FTA alternatives, readiness)", lambda: landed.headline(scns["IN"], "en", AS_OF, incoterms=incoterms,
                                                                               compliance=comp))


if __name__ == "__main__":
    main()
