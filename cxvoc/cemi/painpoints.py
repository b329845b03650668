"""Pain points: KPIs and touchpoints ranked by how far they sit below a reference, weighted.

For each unit, service, touchpoint and KPI that scored, three gaps are measured in points on the
1–5 scale (only shortfalls count):

- ``target``: the KPI's target (its value mapped through the scoring scale) minus its points;
  for a touchpoint, the weighted mean of its KPIs' target points minus its score;
- ``network``: the network-wide aggregate's points for the same node minus the unit's;
- ``previous``: the previous period's points for the same node minus this period's.

Each gap is weighted by the node's weight in the unit's index: the product of the effective
weights on the path (KPI in touchpoint × touchpoint in service × service in unit).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..errors import ValidationError
from .compute import CemiResult, UnitScore
from .values import NETWORK

__all__ = ["BASES", "PainPoint", "pain_points"]

Basis = Literal["target", "network", "previous"]
BASES: tuple[str, ...] = ("target", "network", "previous")


@dataclass(frozen=True)
class PainPoint:
    """A node below its reference: ``weighted_gap = gap × weight`` ranks them."""

    unit: str
    service: str
    touchpoint: int
    touchpoint_name: str
    kpi: str | None  # None for a touchpoint-level pain point
    basis: str
    points: float
    reference_points: float
    gap: float
    weight: float
    weighted_gap: float

    @property
    def level(self) -> str:
        return "touchpoint" if self.kpi is None else "kpi"

    def serialize(self) -> dict[str, Any]:
        return {**asdict(self), "level": self.level}


_Node = tuple[str, str, int, str | None]  # unit, service, touchpoint, kpi


def _nodes(u: UnitScore) -> Iterator[tuple[_Node, str, float, float, float | None]]:
    """(key, touchpoint name, points, weight in index, target points) of every scored node."""
    for s in u.services:
        for t in s.touchpoints:
            if t.score is None:
                continue
            w_tp = s.effective_weight * t.effective_weight
            yield (u.unit, s.service, t.touchpoint, None), t.name, t.score, w_tp, t.target_points
            for k in t.kpis:
                if k.points is not None:
                    key = (u.unit, s.service, t.touchpoint, k.kpi)
                    yield key, t.name, k.points, w_tp * k.effective_weight, k.target_points


def _points(u: UnitScore | None) -> dict[tuple[str, int, str | None], float]:
    if u is None:
        return {}
    return {(svc, tp, kpi): p for (_, svc, tp, kpi), _, p, _, _ in _nodes(u)}


def pain_points(
    result: CemiResult,
    *,
    previous: CemiResult | None = None,
    bases: Sequence[str] = BASES,
    level: Literal["kpi", "touchpoint", "both"] = "both",
    top: int | None = 20,
) -> tuple[PainPoint, ...]:
    """Pain points of every unit of ``result``, largest weighted gap first."""
    for b in bases:
        if b not in BASES:
            raise ValidationError(f"basis {b!r} is not supported; use any of {', '.join(BASES)}")
    if level not in ("kpi", "touchpoint", "both"):
        raise ValidationError(f"level={level!r} must be 'kpi', 'touchpoint' or 'both'")
    if top is not None and top < 1:
        raise ValidationError(f"top={top} must be a positive integer or None")
    net = _points(result.network)
    prev_units = {u.unit: _points(u) for u in previous.units} if previous else {}
    found: list[PainPoint] = []
    for u in result.units:
        if u.unit == NETWORK:
            continue
        prev = prev_units.get(u.unit, {})
        for (unit, svc, tp, kpi), tp_name, points, weight, target in _nodes(u):
            if level != "both" and (kpi is None) != (level == "touchpoint"):
                continue
            refs = {
                "target": target,
                "network": net.get((svc, tp, kpi)),
                "previous": prev.get((svc, tp, kpi)),
            }
            for basis in bases:
                ref = refs[basis]
                if ref is None or ref <= points or weight <= 0:
                    continue
                gap = ref - points
                found.append(PainPoint(unit=unit, service=svc, touchpoint=tp, touchpoint_name=tp_name,
                                       kpi=kpi, basis=basis, points=points, reference_points=ref,
                                       gap=gap, weight=weight, weighted_gap=gap * weight))  # fmt: skip
    found.sort(
        key=lambda p: (-p.weighted_gap, p.unit, p.service, p.touchpoint, p.kpi or "", p.basis)
    )
    return tuple(found[:top] if top is not None else found)
