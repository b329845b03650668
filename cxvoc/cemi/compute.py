"""Computation of the CEMI index: KPI points -> touchpoint -> service -> unit (SPEC section 6).

Each level is the weighted mean of its children's scores. A child without a score (a KPI whose
denominator is 0 or that has no observation; a touchpoint or service none of whose children
scored) is excluded and its weight is redistributed to its siblings in proportion to their
original weights — i.e. the mean is taken over the children that scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ValidationError
from .bands import Band, band
from .config import CemiConfig, TouchpointDef
from .values import NETWORK, KpiValues

__all__ = ["CemiResult", "KpiScore", "ServiceScore", "TouchpointScore", "UnitScore", "compute_cemi"]


@dataclass(frozen=True)
class KpiScore:
    """A level-4 KPI at one touchpoint. ``status``: scored, no_data (denominator 0) or missing."""

    kpi: str
    name: str
    group: int
    weight: float
    effective_weight: float
    status: str
    value: float | None = None
    points: float | None = None
    target_points: float | None = None
    numerator: float | None = None
    denominator: float | None = None

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TouchpointScore:
    touchpoint: int
    name: str
    stage: str
    phase: str
    weight: float
    effective_weight: float
    score: float | None
    band: Band | None
    target_points: float | None
    kpis: tuple[KpiScore, ...]

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ServiceScore:
    service: str
    name: str
    weight: float
    effective_weight: float
    score: float | None
    band: Band | None
    touchpoints: tuple[TouchpointScore, ...]

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UnitScore:
    unit: str
    period: str
    score: float | None
    band: Band | None
    services: tuple[ServiceScore, ...]

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CemiResult:
    """CEMI scores of the units of one period, and the network-wide aggregate."""

    period: str
    units: tuple[UnitScore, ...]
    network: UnitScore | None = None

    def unit(self, name: str) -> UnitScore:
        for u in self.units:
            if u.unit == name:
                return u
        if self.network is not None and name == NETWORK:
            return self.network
        raise KeyError(name)

    def serialize(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "units": [u.serialize() for u in self.units],
            "network": self.network.serialize() if self.network else None,
        }


def _mean(items: Sequence[tuple[float, float | None]]) -> tuple[float | None, list[float]]:
    """Weighted mean over the items that have a score; effective weights (0 for excluded)."""
    total = sum(w for w, s in items if s is not None)
    if total <= 0:
        return None, [0.0] * len(items)
    eff = [w / total if s is not None else 0.0 for w, s in items]
    return sum(e * s for e, (_, s) in zip(eff, items, strict=True) if s is not None), eff


def _band(score: float | None) -> Band | None:
    return None if score is None else band(score)


class _Scorer:
    def __init__(self, config: CemiConfig, values: KpiValues, unit: str, period: str) -> None:
        self.config, self.values, self.unit, self.period = config, values, unit, period

    def kpi_points(self, kpi: str, service: str, tp: int) -> tuple[str, float | None, Any]:
        k = self.config.kpis[kpi]
        if k.composite:
            parts = [(w, self.kpi_points(p, service, tp)[1]) for p, w in k.composite]
            points, _ = _mean(parts)
            return ("scored" if points is not None else "no_data"), points, None
        obs = self.values.lookup(
            unit=self.unit, period=self.period, service=service, touchpoint=tp, kpi=kpi
        )
        if obs is None:
            return "missing", None, None
        value = obs.resolved(k.factor)
        if value is None:
            return "no_data", None, obs
        return "scored", k.points(value), obs

    def touchpoint(self, tp: TouchpointDef, service: str, weight: float) -> TouchpointScore:
        rows = []
        for kpi, w in tp.kpis:
            status, points, obs = self.kpi_points(kpi, service, tp.id)
            rows.append((kpi, w, status, points, obs))
        score, eff = _mean([(w, p) for _, w, _, p, _ in rows])
        targets, _ = _mean([(w, self.config.kpis[k].target_points) for k, w, *_ in rows])
        kpis = []
        for (kpi, w, status, points, obs), e in zip(rows, eff, strict=True):
            k = self.config.kpis[kpi]
            kpis.append(KpiScore(
                kpi=kpi, name=k.name, group=k.group, weight=w, effective_weight=e, status=status,
                value=obs.resolved(k.factor) if obs is not None else None, points=points,
                target_points=k.target_points,
                numerator=obs.numerator if obs is not None else None,
                denominator=obs.denominator if obs is not None else None,
            ))  # fmt: skip
        return TouchpointScore(touchpoint=tp.id, name=tp.name, stage=tp.stage, phase=tp.phase,
                               weight=weight, effective_weight=0.0, score=score, band=_band(score),
                               target_points=targets, kpis=tuple(kpis))  # fmt: skip

    def run(self) -> UnitScore:
        services = []
        for sid, sdef in self.config.services.items():
            tps = [self.touchpoint(self.config.touchpoints[t], sid, w) for t, w in sdef.touchpoints]
            score, eff = _mean([(t.weight, t.score) for t in tps])
            tps = [_with(t, effective_weight=e) for t, e in zip(tps, eff, strict=True)]
            services.append(ServiceScore(service=sid, name=sdef.name, weight=sdef.weight,
                                         effective_weight=0.0, score=score, band=_band(score),
                                         touchpoints=tuple(tps)))  # fmt: skip
        score, eff = _mean([(s.weight, s.score) for s in services])
        services = [_with(s, effective_weight=e) for s, e in zip(services, eff, strict=True)]
        return UnitScore(unit=self.unit, period=self.period, score=score, band=_band(score),
                         services=tuple(services))  # fmt: skip


def _with(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)


def compute_cemi(
    config: CemiConfig,
    values: KpiValues,
    *,
    period: str,
    units: Sequence[str] | None = None,
    network: bool = True,
) -> CemiResult:
    """CEMI of ``units`` (default: every unit with observations in ``period``).

    With ``network=True`` the network-wide aggregate (all units pooled) is computed too; pain
    points compare each unit with it.
    """
    if not period:
        raise ValidationError("period must be a non-empty label such as '2026-10'")
    names = list(units) if units else values.units(period)
    if units:
        known = set(values.units(period))
        unknown = [u for u in names if u not in known]
        if unknown:
            raise ValidationError(f"unit(s) {', '.join(map(repr, unknown))} have no KPI values in period "
                                  f"{period!r}; units with values: {', '.join(sorted(known)) or '(none)'}")  # fmt: skip
    pooled = values.with_network(period) if network else values
    scored = tuple(_Scorer(config, pooled, u, period).run() for u in names)
    net = _Scorer(config, pooled, NETWORK, period).run() if network else None
    return CemiResult(period=period, units=scored, network=net)
