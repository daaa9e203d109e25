"""The outline's answer to section 10, measured: four disciplines (資料標準化 × 流量可解釋 × 成交可複製 ×
風控可度量) and four tracks (品牌化、合規化、數據化、在地化), each scored 0-100 from a chapter's own data
(``drivers.Context.evidence``), with the evidence and the step that would raise it most. PURE.

The scores are measures, not weights: each is one observable share, named with its chapter, so a team can argue
with the number by improving the data behind it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    key: str            # strings: business_case.score_<key>, .evidence_<key>, .raise_<key>
    kind: str           # discipline | track
    chapter: str        # the chapter whose data it reads
    score: float        # 0..100
    measure: float      # the raw share behind it


def _pct(x: float) -> float:
    return 0.0 if x is None or not math.isfinite(x) else round(100.0 * min(max(x, 0.0), 1.0), 1)


def scores(evidence: dict[str, float]) -> list[Score]:
    e = evidence
    repeatable = 1.0 - min(e.get("hit_rate_cv", 1.0), 1.0)            # 1 - coefficient of variation of hit rates
    brand = e.get("own_channels", 0.0)
    data = 0.5 * e.get("months_with_data", 0.0) + 0.5 * e.get("known_source", 0.0)
    local = 0.5 * e.get("local_language", 0.0) + 0.5 * e.get("local_currency", 0.0)
    return [
        Score("standardised", "discipline", "03", _pct(e.get("data_completeness", 0.0)), e.get("data_completeness", 0.0)),
        Score("explainable", "discipline", "07", _pct(e.get("known_source", 0.0)), e.get("known_source", 0.0)),
        Score("repeatable", "discipline", "07", _pct(repeatable), e.get("hit_rate_cv", 1.0)),
        Score("measurable", "discipline", "08", _pct(e.get("risks_quantified", 0.0)), e.get("risks_quantified", 0.0)),
        Score("brand", "track", "02", _pct(brand), brand),
        Score("compliance", "track", "06", _pct(e.get("compliance_done", 0.0)), e.get("compliance_done", 0.0)),
        Score("data", "track", "07", _pct(data), data),
        Score("local", "track", "05", _pct(local), local),
    ]
