"""The market chapter's scenario section ``markets`` (pydantic only) and the constants its validators need.

Kept free of pandas and numpy: ``scenario.load()`` imports every section module. The AHP judgements are
checked here in plain Python (``check_judgements``); the model builds its matrix from the same check.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, relative
from crossborder.core.schema import Model

CRITERIA_FILE = DATA_DIR / "criteria.csv"

METHODS = ("topsis", "weighted_sum")
NORMALIZATIONS = ("vector", "minmax")
WEIGHTINGS = ("direct", "entropy", "critic", "ahp")
SMAA_MODES = ("around", "uniform")
# The pilot funnel, in order (each stage a subset of the one before).
STAGES = ["inquiries", "qualified_leads", "quotes", "samples", "samples_passed", "pos", "repeat_orders"]
PMF_RATE_STAGES = STAGES[1:]   # the conversion into each stage from the one before


@lru_cache(maxsize=4)
def _criterion_ids(path: str, stamp: int) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(line for line in f if not line.startswith("#")))
    except OSError as exc:
        raise InputError(f"{relative(Path(path))}: cannot read the criteria ({exc.strerror})") from None
    if not rows or "criterion" not in rows[0]:
        raise InputError(f"{relative(Path(path))}: expected a header with a 'criterion' column, "
                         f"found {rows[0] if rows else 'nothing'!r}")
    i = rows[0].index("criterion")
    return tuple(r[i] for r in rows[1:] if len(r) > i and r[i])


def criterion_ids(path: Path = CRITERIA_FILE) -> tuple[str, ...]:
    """The criterion ids of ``data/criteria.csv``, in file order (only the id column; ``data.load_criteria``
    validates the rest). Cached until the file changes."""
    path = Path(path)
    return _criterion_ids(str(path), path.stat().st_mtime_ns if path.exists() else 0)


def parse_judgement(value: object, where: str) -> float:
    """A pairwise judgement: a number > 0 or a fraction text such as "1/3"."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*", value)
        if not m:
            raise InputError(f"{where}: expected a number from 1/9 to 9 such as 3 or 1/3, found {value!r}")
        num = float(m.group(1)) / (float(m.group(2)) if m.group(2) else 1.0)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        num = float(value)
    else:
        raise InputError(f"{where}: expected a number from 1/9 to 9 such as 3 or 1/3, found {value!r}")
    if not (1 / 9 - 1e-9 <= num <= 9 + 1e-9):
        raise InputError(f"{where}: expected a number from 1/9 to 9 (Saaty's scale), found {value!r}")
    return num


def check_judgements(judgements: dict[str, object], criteria: list[str]) -> dict[tuple[int, int], float]:
    """AHP judgements ``{"a/b": value}`` checked against ``criteria``: ``{(i, j): value}`` by position.

    Each key names two different known criteria, each pair is judged once (in either order), each value is
    on Saaty's scale, and every criterion is linked to the first by some chain of judgements (otherwise its
    weight is undetermined).
    """
    n = len(criteria)
    pos = {c: i for i, c in enumerate(criteria)}
    out: dict[tuple[int, int], float] = {}
    for key, value in judgements.items():
        parts = key.split("/")
        where = f"ahp: key '{key}'"
        if len(parts) != 2:
            raise InputError(f"{where}: expected 'criterion/criterion' such as 'demand/tariff', found {key!r}")
        a, b = (p.strip() for p in parts)
        for c in (a, b):
            if c not in pos:
                raise InputError(f"{where}: unknown criterion {c!r}; expected one of {', '.join(criteria)}")
        if a == b:
            raise InputError(f"{where}: expected two different criteria, found {a!r} twice")
        i, j = pos[a], pos[b]
        if (i, j) in out or (j, i) in out:
            raise InputError(f"{where}: the pair {a}/{b} is judged twice; expected one judgement per pair")
        out[(i, j)] = parse_judgement(value, where)
    linked = {k: set() for k in range(n)}
    for i, j in out:
        linked[i].add(j)
        linked[j].add(i)
    reached, todo = {0}, [0]
    while todo:
        for k in linked[todo.pop()] - reached:
            reached.add(k)
            todo.append(k)
    alone = [criteria[k] for k in range(n) if k not in reached]
    if n and alone:
        raise InputError(f"ahp: criterion {alone[0]!r} is not linked by any chain of judgements to "
                         f"{criteria[0]!r}; expected judgements connecting every criterion")
    return out


class Threshold(Model):
    go: float = Field(ge=0, le=1)
    stop: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> Threshold:
        if self.stop > self.go:
            raise ValueError(f"stop <= go, found stop={self.stop} above go={self.go}")
        return self


class PmfRules(Model):
    """Thresholds on each stage conversion (rules of thumb for industrial components: illustrative)."""

    thresholds: dict[Literal["qualified_leads", "quotes", "samples", "samples_passed", "pos", "repeat_orders"], Threshold]
    min_pos: int = Field(ge=0)
    survey_go: float = Field(ge=0, le=1)      # Sean Ellis: >= 40 % "very disappointed" signals PMF
    confidence: float = Field(gt=0, lt=1)

    @field_validator("thresholds")
    @classmethod
    def _all(cls, value: dict) -> dict:
        missing = [s for s in PMF_RATE_STAGES if s not in value]
        if missing:
            raise ValueError(f"a threshold for every stage ({', '.join(PMF_RATE_STAGES)}), missing {', '.join(missing)}")
        return value


class PilotResults(Model):
    """What the 90-day pilot in this market produced (counts of buyers at each stage)."""

    inquiries: int = Field(ge=0)
    qualified_leads: int = Field(ge=0)
    quotes: int = Field(ge=0)
    samples: int = Field(ge=0)
    samples_passed: int = Field(ge=0)
    pos: int = Field(ge=0)
    repeat_orders: int = Field(ge=0)
    very_disappointed: float | None = Field(default=None, ge=0, le=1)   # share of surveyed buyers
    survey_responses: int | None = Field(default=None, ge=0)
    source: str

    @model_validator(mode="after")
    def _funnel(self) -> PilotResults:
        counts = [getattr(self, s) for s in STAGES]
        for a, b, x, y in zip(STAGES, STAGES[1:], counts, counts[1:]):
            if y > x:
                raise ValueError(f"each stage at most the one before, found {b}={y} above {a}={x}")
        return self


class Smaa(Model):
    samples: int = Field(ge=100, le=100_000)
    mode: Literal["around", "uniform"]
    concentration: float = Field(gt=0)          # k in Dirichlet(k w): larger = closer to the chosen weights
    seed: int


class Pilot(Model):
    size: int = Field(ge=1, le=10)
    override: list[str]                          # market codes chosen by the team instead of the model's pick


class MarketSelection(Model):
    """Scenario section ``markets``: how candidate markets are ranked, the pilot and its PMF rules."""

    method: Literal["topsis", "weighted_sum"]
    normalization: Literal["vector", "minmax"]
    weighting: Literal["direct", "entropy", "critic", "ahp"]
    weights: dict[str, float]                    # direct weights; an empty mapping means data/criteria.csv
    ahp: dict[str, float | str]                  # "a/b": how many times a matters more than b (1/9 .. 9)
    additional_duties: bool                      # count extraordinary duties (e.g. US reciprocal tariffs)
    smaa: Smaa
    pilot: Pilot
    pmf: PmfRules
    pilot_results: PilotResults | None = None

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        known = list(criterion_ids())
        for k, v in value.items():
            if k not in known:
                raise ValueError(f"a criterion of data/criteria.csv ({', '.join(known)}), found unknown criterion {k!r}")
            if not (isinstance(v, (int, float)) and v >= 0):
                raise ValueError(f"a weight >= 0 for {k}, found {v!r}")
        if value and sum(value.values()) <= 0:
            raise ValueError("at least one weight > 0")
        return value

    @field_validator("ahp")
    @classmethod
    def _ahp(cls, value: dict) -> dict:
        if value:
            try:
                check_judgements(value, list(criterion_ids()))
            except InputError as exc:
                raise ValueError(str(exc).removeprefix("ahp: ")) from None
        return value



__all__ = ["MarketSelection", "PilotResults", "PmfRules", "Pilot", "Smaa", "Threshold"]
