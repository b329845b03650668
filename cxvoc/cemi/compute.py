"""Computation of the CEMI index: KPI points -> touchpoint -> service -> unit (SPEC section 6).

Each level is the weighted mean of its children's scores. A child without a score (a KPI whose
denominator is 0 or that has no observation; a touchpoint or service none of whose children
scored) is excluded and its weight is redistributed to its siblings in proportion to their
original weights — i.e. the mean is taken over the children that scored.

The arithmetic is exact (fractions of the decimals written in the configuration and the
tables): a unit whose KPIs give exactly 3.0 or 4.5 is banded on the edge, not beside it, and
an all-5 unit scores 5, not 5.000000000000001. Scores are rounded to floats only at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from ..errors import ValidationError
from .bands import Band, band
from .config import CemiConfig, TouchpointDef, exact
from .values import NETWORK, KpiValues

__all__ = ["CemiResult", "KpiScore", "ServiceScore", "TouchpointScore", "UnitScore", "compute_cemi"]


@dataclass(frozen=True)
class KpiScore:
    """A level-4 KPI at one touchpoint. ``status``: scored, no_data (denominator 0) or missing.

    ``weight`` is the configured weight in the touchpoint, ``effective_weight`` the weight after
    the KPIs without data gave theirs away; ``records`` the denominator behind the value.
    """

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
    records: int | None = None

    @property
    def coverage(self) -> float:
        return 1.0 if self.points is not None else 0.0

    def serialize(self) -> dict[str, Any]:
        return {**asdict(self), "coverage": self.coverage}


@dataclass(frozen=True)
class TouchpointScore:
    """A level-3 node. ``coverage``: share of its configured KPI weight that had data;
    ``records``: records behind it (None when the values came from a table)."""

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
    coverage: float = 0.0
    records: int | None = None

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ServiceScore:
    """A level-2 node. ``coverage``: share of the configured weight below it (touchpoint
    weight × KPI weight, summed) that had data."""

    service: str
    name: str
    weight: float
    effective_weight: float
    score: float | None
    band: Band | None
    touchpoints: tuple[TouchpointScore, ...]
    coverage: float = 0.0
    records: int | None = None

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UnitScore:
    """A level-1 node: the CEMI of a unit, with the share of the configured weight that had
    data (``coverage``) and the records behind it."""

    unit: str
    period: str
    score: float | None
    band: Band | None
    services: tuple[ServiceScore, ...]
    coverage: float = 0.0
    records: int | None = None

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


_Exact = Fraction | None


def _mean(items: Sequence[tuple[Fraction, _Exact]]) -> tuple[_Exact, list[Fraction]]:
    """Exact weighted mean over the items that have a score; effective weights (0 if excluded)."""
    total = sum((w for w, s in items if s is not None), Fraction(0))
    if total <= 0:
        return None, [Fraction(0)] * len(items)
    eff = [w / total if s is not None else Fraction(0) for w, s in items]
    score = sum((e * s for e, (_, s) in zip(eff, items, strict=True) if s is not None), Fraction(0))
    return score, eff


def _share(items: Sequence[tuple[Fraction, Fraction]]) -> Fraction:
    """Configured-weight share with data: sum(w × coverage) / sum(w)."""
    total = sum((w for w, _ in items), Fraction(0))
    return sum((w * c for w, c in items), Fraction(0)) / total if total > 0 else Fraction(0)


def _f(x: _Exact) -> float | None:
    return None if x is None else float(x)


def _band(score: _Exact) -> Band | None:
    return None if score is None else band(score)


@dataclass(frozen=True)
class _Node:
    score: _Exact
    coverage: Fraction


class _Scorer:
    def __init__(self, config: CemiConfig, values: KpiValues, unit: str, period: str) -> None:
        self.config, self.values, self.unit, self.period = config, values, unit, period

    def kpi_points(self, kpi: str, service: str, tp: int) -> tuple[str, _Exact, Any]:
        k = self.config.kpis[kpi]
        if k.composite:
            parts = [(exact(w), self.kpi_points(p, service, tp)[1]) for p, w in k.composite]
            points, _ = _mean(parts)
            return ("scored" if points is not None else "no_data"), points, None
        obs = self.values.lookup(
            unit=self.unit, period=self.period, service=service, touchpoint=tp, kpi=kpi
        )
        if obs is None:
            return "missing", None, None
        value = obs.exact_value(k.factor)
        if value is None:
            return "no_data", None, obs
        assert k.scale is not None
        return "scored", k.scale.exact_points(value), obs

    def touchpoint(
        self, tp: TouchpointDef, service: str, weight: float
    ) -> tuple[TouchpointScore, _Node]:
        rows = []
        for kpi, w in tp.kpis:
            status, points, obs = self.kpi_points(kpi, service, tp.id)
            rows.append((kpi, w, status, points, obs))
        score, eff = _mean([(exact(w), p) for _, w, _, p, _ in rows])
        coverage = _share([(exact(w), Fraction(p is not None)) for _, w, _, p, _ in rows])
        targets, _ = _mean(
            [(exact(w), _opt_exact(self.config.kpis[k].target_points)) for k, w, *_ in rows]
        )
        kpis = []
        for (kpi, w, status, points, obs), e in zip(rows, eff, strict=True):
            k = self.config.kpis[kpi]
            value = obs.exact_value(k.factor) if obs is not None else None
            den = obs.denominator if obs is not None else None
            kpis.append(KpiScore(
                kpi=kpi, name=k.name, group=k.group, weight=w, effective_weight=float(e), status=status,
                value=_f(value), points=_f(points), target_points=k.target_points,
                numerator=obs.numerator if obs is not None else None, denominator=den,
                records=None if den is None else int(den),
            ))  # fmt: skip
        n = self.values.record_count(self.unit, self.period, service, tp.id)
        out = TouchpointScore(touchpoint=tp.id, name=tp.name, stage=tp.stage, phase=tp.phase,
                              weight=weight, effective_weight=0.0, score=_f(score), band=_band(score),
                              target_points=_f(targets), kpis=tuple(kpis), coverage=float(coverage),
                              records=n)  # fmt: skip
        return out, _Node(score, coverage)

    def run(self) -> UnitScore:
        services, nodes = [], []
        for sid, sdef in self.config.services.items():
            done = [
                self.touchpoint(self.config.touchpoints[t], sid, w) for t, w in sdef.touchpoints
            ]
            weights = [exact(w) for _, w in sdef.touchpoints]
            score, eff = _mean(
                [(w, node.score) for w, (_, node) in zip(weights, done, strict=True)]
            )
            coverage = _share(
                [(w, node.coverage) for w, (_, node) in zip(weights, done, strict=True)]
            )
            tps = [_with(t, effective_weight=float(e)) for (t, _), e in zip(done, eff, strict=True)]
            services.append(ServiceScore(service=sid, name=sdef.name, weight=sdef.weight,
                                         effective_weight=0.0, score=_f(score), band=_band(score),
                                         touchpoints=tuple(tps), coverage=float(coverage),
                                         records=self.values.record_count(self.unit, self.period, sid)))  # fmt: skip
            nodes.append((exact(sdef.weight), _Node(score, coverage)))
        score, eff = _mean([(w, node.score) for w, node in nodes])
        coverage = _share([(w, node.coverage) for w, node in nodes])
        services = [_with(s, effective_weight=float(e)) for s, e in zip(services, eff, strict=True)]
        return UnitScore(unit=self.unit, period=self.period, score=_f(score), band=_band(score),
                         services=tuple(services), coverage=float(coverage),
                         records=self.values.record_count(self.unit, self.period))  # fmt: skip


def _opt_exact(x: float | None) -> _Exact:
    return None if x is None else exact(x)


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
