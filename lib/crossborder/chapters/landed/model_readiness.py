"""Compliance readiness: the market's checklist, share done, days to ready-to-ship and the critical path
(critical-path method, Kelley and Walker 1959). Pure: the compliance table (``data.load_compliance``) in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError
from crossborder.scenario import Scenario

from .section import STATUSES


@dataclass(frozen=True)
class Readiness:
    table: pd.DataFrame          # items with remaining_days, earliest_start, earliest_finish, critical
    share_done: float            # done / required (not-applicable items excluded)
    days_to_ready: float         # remaining lead time to ready-to-ship (critical path length)
    critical_path: tuple[str, ...]
    cost_remaining: float        # TWD, cost of the items not done (illustrative)


def checklist(compliance: pd.DataFrame, market: str, origin: str = "any",
              overrides: dict[str, str] | None = None) -> pd.DataFrame:
    """The market's items that apply to goods of ``origin`` (rows with origin ``any`` or that origin),
    with status overrides (e.g. saved in the scenario) applied. Unknown items or statuses are rejected."""
    rows = compliance[(compliance["market"] == market) & compliance["origin"].isin(("any", origin))].copy()
    if rows.empty:
        raise InputError(f"market: no compliance items for {market!r} in compliance.csv; markets listed: "
                         f"{', '.join(sorted(compliance['market'].unique()))} (add a market with "
                         f"'crossborder market new {market} --from DE')")
    for item, status in (overrides or {}).items():
        if item not in set(rows["item"]):
            raise InputError(f"landed.compliance_status: unknown item {item!r} for {market}; expected one of "
                             f"{', '.join(rows['item'])}")
        if status not in STATUSES:
            raise InputError(f"landed.compliance_status.{item}: expected one of {', '.join(STATUSES)}, found {status!r}")
        rows.loc[rows["item"] == item, "status"] = status
        if status == "done":
            rows.loc[rows["item"] == item, "progress"] = 1.0
        elif status == "not_started":
            rows.loc[rows["item"] == item, "progress"] = 0.0
    return rows.reset_index(drop=True)


def readiness(items: pd.DataFrame) -> Readiness:
    """Share done, days to ready-to-ship and the critical path of a checklist (CPM on remaining lead times).

    ``items`` has columns ``item, required, status, progress, lead_time_days, depends_on`` (``;``-separated
    item ids), ``cost_twd``. Remaining time of an item = lead time x (1 - progress); done and not-applicable
    items take none. Earliest finish EF(i) = remaining(i) + max EF over its dependencies; ready-to-ship =
    max EF over required items. Statuses must agree with progress (done: 1; not started: 0).
    """
    df = items.copy().reset_index(drop=True)
    need = {"item", "required", "status", "progress", "lead_time_days", "depends_on"}
    missing = need - set(df.columns)
    if missing:
        raise InputError(f"readiness: missing column(s) {', '.join(sorted(missing))}")
    bad = ~df["status"].isin(STATUSES)
    if bad.any():
        raise InputError(f"readiness: item {df.loc[bad, 'item'].iloc[0]!r}: expected a status among "
                         f"{', '.join(STATUSES)}, found {df.loc[bad, 'status'].iloc[0]!r}")
    dup = df["item"].duplicated()
    if dup.any():
        raise InputError(f"readiness: item {df.loc[dup, 'item'].iloc[0]!r} listed twice")
    prog = pd.to_numeric(df["progress"], errors="coerce")
    lead = pd.to_numeric(df["lead_time_days"], errors="coerce")
    if prog.isna().any() or ((prog < 0) | (prog > 1)).any():
        i = int((prog.isna() | (prog < 0) | (prog > 1)).idxmax())
        raise InputError(f"readiness: item {df.at[i, 'item']!r}: expected progress from 0 to 1, found {df.at[i, 'progress']!r}")
    if lead.isna().any() or (lead < 0).any():
        i = int((lead.isna() | (lead < 0)).idxmax())
        raise InputError(f"readiness: item {df.at[i, 'item']!r}: expected lead_time_days >= 0, found {df.at[i, 'lead_time_days']!r}")
    incoherent = ((df["status"] == "done") & (prog < 1)) | ((df["status"] == "not_started") & (prog > 0)) | \
        ((df["status"] != "done") & (df["status"] != "not_applicable") & (prog >= 1))
    if incoherent.any():
        i = int(incoherent.idxmax())
        raise InputError(f"readiness: item {df.at[i, 'item']!r}: status {df.at[i, 'status']!r} disagrees with "
                         f"progress {prog[i]:g} (done means 1, not started means 0, anything else below 1)")
    ids = list(df["item"])
    index = {item: i for i, item in enumerate(ids)}
    deps = []
    for i, text in enumerate(df["depends_on"].fillna("").astype(str)):
        parts = [p.strip() for p in text.split(";") if p.strip()]
        unknown = [p for p in parts if p not in index]
        if unknown:
            raise InputError(f"readiness: item {ids[i]!r} depends on unknown item(s) {', '.join(map(repr, unknown))}; "
                             f"expected ids among {', '.join(ids)}")
        deps.append([index[p] for p in parts])
    active = ~df["status"].isin(("done", "not_applicable"))
    remaining = np.where(active, lead.to_numpy() * (1 - prog.to_numpy()), 0.0)
    # Topological order (Kahn); a cycle is an error.
    n = len(ids)
    indeg = np.array([len(d) for d in deps])
    children: list[list[int]] = [[] for _ in range(n)]
    for i, d in enumerate(deps):
        for j in d:
            children[j].append(i)
    order, stack = [], [i for i in range(n) if indeg[i] == 0]
    while stack:
        j = stack.pop()
        order.append(j)
        for i in children[j]:
            indeg[i] -= 1
            if indeg[i] == 0:
                stack.append(i)
    if len(order) < n:
        cyc = [ids[i] for i in range(n) if indeg[i] > 0]
        raise InputError(f"readiness: dependency cycle among {', '.join(cyc)}; expected an acyclic checklist")
    ef = np.zeros(n)
    es = np.zeros(n)
    pred = np.full(n, -1)
    for i in order:
        if deps[i]:
            k = max(deps[i], key=lambda j: ef[j])
            es[i], pred[i] = ef[k], k
        ef[i] = es[i] + remaining[i]
    required = df["required"].astype(bool).to_numpy() & (df["status"] != "not_applicable").to_numpy()
    days = float(ef[required].max()) if required.any() else 0.0
    path: list[int] = []
    if days > 0:
        i = int(np.flatnonzero(required)[np.argmax(ef[required])])
        while i >= 0:
            if remaining[i] > 0:
                path.append(i)
            i = int(pred[i])
    path.reverse()
    done = (df["status"] == "done").to_numpy()
    share = float(done[required].mean()) if required.any() else 1.0
    out = df.assign(remaining_days=remaining, earliest_start=es, earliest_finish=ef,
                    critical=np.isin(np.arange(n), path))
    cost_col = pd.to_numeric(out["cost_twd"], errors="coerce") if "cost_twd" in out else pd.Series(0.0, index=out.index)
    cost = float(cost_col.where(active & required, 0.0).fillna(0).sum())
    return Readiness(out, share, days, tuple(ids[i] for i in path), cost)


def market_readiness(scn: Scenario, compliance: pd.DataFrame, origin: str | None = None) -> Readiness:
    """:func:`readiness` of the market's checklist for goods of ``origin`` (default: the shipment's origin),
    with the scenario's ``landed.compliance_status`` applied."""
    origin = origin or scn.exporter.origin
    return readiness(checklist(compliance, scn.code, origin, dict(scn.landed.compliance_status)))
