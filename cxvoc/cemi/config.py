"""The CEMI configuration: KPI definitions, the customer journey and the services, from YAML.

Layout of the YAML file (see ``default.yaml``)::

    weight_tolerance: 1.0e-6          # weights must sum to 1 within this
    kpis:                             # level 4 definitions, shared by every touchpoint
      csat: {name: CSAT, unit: "%", group: 1, factor: 100, target: 85,
             scale: {breaks: [60, 70, 80, 88, 95], mode: linear}}
      care: {name: Care experience, composite: {csat: 0.6, ces: 0.4}}   # points of other KPIs
    journey:
      phases:
        - {id: discover_buy, name: Discover & buy, stages: [{id: awareness, name: Awareness,
           touchpoints: [1]}, …]}
      touchpoints:                    # level 3: each touchpoint's KPIs and their weights
        1: {name: Observe, kpis: {net_sentiment: 1.0}}
    touchpoint_weights: {1: 0.04, …}  # level 2 default: each touchpoint's weight in a service
    services:                         # level 1: each service's weight in a unit
      mobile: {name: Mobile, weight: 0.35, touchpoint_weights: {…}}   # override optional

A scoring scale maps a KPI value to points on 1–5: ``breaks`` are the values that score 1, 2,
3, 4 and 5 points (increasing when higher is better, decreasing when lower is better).
``mode: linear`` interpolates between breaks (clamped to 1–5); ``mode: step`` gives the number
of breaks reached (at least 1).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import ConfigError
from ..touchmap import DEFAULT_TOUCHPOINT_MAP, TouchpointMap, parse_touchpoint_map

__all__ = [
    "CemiConfig",
    "KpiDef",
    "Phase",
    "ScoringScale",
    "ServiceDef",
    "Stage",
    "TouchpointDef",
    "default_config_path",
    "exact",
    "load_config",
    "parse_config",
]


def exact(x: float | int | Fraction) -> Fraction:
    """The decimal a float was written as (``0.3`` -> 3/10), as an exact fraction.

    Weights, breaks and KPI values are decimals in YAML and tables; reading the float back
    through its shortest repr keeps ``0.5 * 3.4 + 0.3 * 3.5 + 0.2 * 3`` exactly 3.35.
    """
    if isinstance(x, Fraction | int):
        return Fraction(x)
    return _exact_float(float(x))


@functools.lru_cache(maxsize=65536)
def _exact_float(x: float) -> Fraction:
    return Fraction(repr(x))


ScaleMode = Literal["linear", "step"]


@dataclass(frozen=True)
class ScoringScale:
    """Breaks that score 1, 2, 3, 4 and 5 points; strictly monotone."""

    breaks: tuple[float, ...]
    mode: ScaleMode = "linear"

    @property
    def higher_is_better(self) -> bool:
        return self.breaks[-1] > self.breaks[0]

    def points(self, value: float) -> float:
        """Points in [1, 5] for a KPI value."""
        return float(self.exact_points(exact(value)))

    def exact_points(self, value: Fraction) -> Fraction:
        """Points in [1, 5] for a KPI value, in exact arithmetic."""
        sign = 1 if self.higher_is_better else -1
        b = self._exact_breaks
        v = sign * value
        if self.mode == "step":
            return Fraction(max(1, sum(v >= x for x in b)))
        # the interval is found in floats (fast); the points are continuous across a break, so
        # a float that lands on the neighbouring interval gives the same exact result
        fb, fv = self._float_breaks, float(v)
        if fv <= fb[0]:
            return Fraction(1)
        if fv >= fb[-1]:
            return Fraction(5)
        k = next(i for i in range(len(fb) - 1) if fv < fb[i + 1])
        return 1 + k + (v - b[k]) / (b[k + 1] - b[k])

    @functools.cached_property
    def _float_breaks(self) -> tuple[float, ...]:
        return tuple(float(x) for x in self._exact_breaks)

    @functools.cached_property
    def _exact_breaks(self) -> tuple[Fraction, ...]:
        sign = 1 if self.higher_is_better else -1
        return tuple(sign * exact(x) for x in self.breaks)

    def serialize(self) -> dict[str, Any]:
        return {"breaks": list(self.breaks), "mode": self.mode}


@dataclass(frozen=True)
class KpiDef:
    """A level-4 KPI: how its value scores, its target, or the KPIs it is composed of."""

    id: str
    name: str
    scale: ScoringScale | None = None
    composite: tuple[tuple[str, float], ...] = ()
    unit: str = ""
    group: int = 1
    factor: float = 1.0
    target: float | None = None

    def points(self, value: float) -> float:
        if self.scale is None:
            raise ConfigError(f"KPI {self.id!r} is composite and has no scoring scale")
        return self.scale.points(value)

    @functools.cached_property
    def target_points(self) -> float | None:
        if self.target is None or self.scale is None:
            return None
        return self.scale.points(self.target)

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TouchpointDef:
    """A level-3 node: a step of the customer journey and the weights of its KPIs."""

    id: int
    name: str
    stage: str
    phase: str
    kpis: tuple[tuple[str, float], ...]

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    touchpoints: tuple[int, ...]


@dataclass(frozen=True)
class Phase:
    id: str
    name: str
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class ServiceDef:
    """A level-2 node: a service line, its weight in a unit and its touchpoints' weights."""

    id: str
    name: str
    weight: float
    touchpoints: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class CemiConfig:
    """A validated CEMI configuration."""

    kpis: Mapping[str, KpiDef]
    phases: tuple[Phase, ...]
    touchpoints: Mapping[int, TouchpointDef]
    services: Mapping[str, ServiceDef]
    weight_tolerance: float = 1e-6
    source: str = "<dict>"
    record_touchpoints: TouchpointMap = field(default=DEFAULT_TOUCHPOINT_MAP)

    def serialize(self) -> dict[str, Any]:
        return {
            "record_touchpoints": self.record_touchpoints.serialize(),
            "kpis": {k: v.serialize() for k, v in self.kpis.items()},
            "phases": [asdict(p) for p in self.phases],
            "touchpoints": {k: v.serialize() for k, v in self.touchpoints.items()},
            "services": {k: asdict(v) for k, v in self.services.items()},
            "weight_tolerance": self.weight_tolerance,
        }


def default_config_path() -> Path:
    """The bundled default telecom configuration (16 touchpoints, 9 stages, 5 services)."""
    return Path(str(resources.files(__package__).joinpath("default.yaml")))


def load_config(path: str | Path | None = None) -> CemiConfig:
    """Read and validate a YAML configuration (the bundled default when ``path`` is None)."""
    path = Path(path) if path is not None else default_config_path()
    if not path.is_file():
        raise ConfigError(f"CEMI config {str(path)!r} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"CEMI config {str(path)!r} is not valid YAML: {exc}") from None
    return parse_config(data, source=str(path))


# -- validation -------------------------------------------------------------------------------
class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"CEMI config {self.source}: {message}")


def _mapping(ctx: _Ctx, value: Any, where: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise ctx.fail(f"{where} must be a mapping, got {type(value).__name__}: {value!r}")
    return value


def _number(ctx: _Ctx, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ctx.fail(f"{where}={value!r} must be a finite number")
    return float(value)


def _weights(ctx: _Ctx, raw: Any, where: str, tol: float) -> tuple[tuple[Any, float], ...]:
    items = tuple(
        (k, _number(ctx, w, f"{where}.{k}")) for k, w in _mapping(ctx, raw, where).items()
    )
    if not items:
        raise ctx.fail(f"{where} is empty; it needs at least one weighted child")
    for k, w in items:
        if w < 0:
            raise ctx.fail(f"{where}.{k}: weight {w:g} is negative")
    total = sum(w for _, w in items)
    if abs(total - 1.0) > tol:
        listed = ", ".join(f"{k}={w:g}" for k, w in items)
        raise ctx.fail(
            f"{where}: weights sum to {total:.6g} ({listed}); they must sum to 1 (±{tol:g})"
        )
    return items


def _scale(ctx: _Ctx, raw: Any, where: str) -> ScoringScale:
    raw = _mapping(ctx, raw, where)
    breaks = raw.get("breaks")
    if not isinstance(breaks, list) or len(breaks) != 5:
        raise ctx.fail(
            f"{where}.breaks={breaks!r} must list 5 values (scoring 1, 2, 3, 4, 5 points)"
        )
    b = tuple(_number(ctx, x, f"{where}.breaks") for x in breaks)
    inc = all(x < y for x, y in zip(b, b[1:], strict=False))
    dec = all(x > y for x, y in zip(b, b[1:], strict=False))
    if not (inc or dec):
        raise ctx.fail(
            f"{where}.breaks={list(b)} must be strictly increasing or strictly decreasing"
        )
    mode = raw.get("mode", "linear")
    if mode not in ("linear", "step"):
        raise ctx.fail(f"{where}.mode={mode!r} must be 'linear' or 'step'")
    return ScoringScale(breaks=b, mode=mode)


def parse_config(data: Any, *, source: str = "<dict>") -> CemiConfig:
    """Validate a parsed YAML document into a :class:`CemiConfig`.

    Raises :class:`cxvoc.ConfigError` naming the node on: weights that do not sum to 1, a
    reference to a node that is not defined (KPI, touchpoint), a touchpoint in no stage or in
    two, and a cycle among composite KPIs.
    """
    ctx = _Ctx(source)
    data = _mapping(ctx, data, "the document")
    tol = _number(ctx, data.get("weight_tolerance", 1e-6), "weight_tolerance")
    kpis = _parse_kpis(ctx, data.get("kpis"), tol)
    journey = _mapping(ctx, data.get("journey"), "journey")
    phases, stage_of = _parse_phases(ctx, journey.get("phases"))
    touchpoints: dict[int, TouchpointDef] = {}
    for key, raw in _mapping(ctx, journey.get("touchpoints"), "journey.touchpoints").items():
        tp = _tp_id(ctx, key, "journey.touchpoints")
        raw = _mapping(ctx, raw, f"touchpoint {tp}")
        if tp not in stage_of:
            raise ctx.fail(
                f"touchpoint {tp} ({raw.get('name', '?')}) is in no stage of journey.phases"
            )
        weights = _weights(ctx, raw.get("kpis"), f"touchpoint {tp} kpis", tol)
        for kpi, _ in weights:
            if kpi not in kpis:
                raise ctx.fail(f"touchpoint {tp} refers to KPI {kpi!r}, which is not defined under kpis "
                               f"(defined: {', '.join(sorted(kpis))})")  # fmt: skip
        stage, phase = stage_of[tp]
        touchpoints[tp] = TouchpointDef(id=tp, name=str(raw.get("name", tp)), stage=stage, phase=phase,
                                        kpis=tuple((str(k), w) for k, w in weights))  # fmt: skip
    for tp, (stage, _) in stage_of.items():
        if tp not in touchpoints:
            raise ctx.fail(f"stage {stage!r} lists touchpoint {tp}, which is not defined under "
                           f"journey.touchpoints")  # fmt: skip
    services = _parse_services(ctx, data, touchpoints, tol)
    try:
        tmap = parse_touchpoint_map(data.get("record_touchpoints"), known=set(touchpoints))
    except ValueError as exc:
        raise ctx.fail(f"record_touchpoints: {exc}") from None
    return CemiConfig(kpis=kpis, phases=phases, touchpoints=dict(sorted(touchpoints.items())),
                      services=services, weight_tolerance=tol, source=source,
                      record_touchpoints=tmap)  # fmt: skip


def _tp_id(ctx: _Ctx, key: Any, where: str) -> int:
    try:
        tp = int(key)
    except (TypeError, ValueError):
        raise ctx.fail(f"{where}: touchpoint id {key!r} must be an integer") from None
    if not 1 <= tp <= 99:
        raise ctx.fail(f"{where}: touchpoint id {tp} must be in 1–99")
    return tp


def _parse_kpis(ctx: _Ctx, raw: Any, tol: float) -> dict[str, KpiDef]:
    kpis: dict[str, KpiDef] = {}
    for kid, spec in _mapping(ctx, raw, "kpis").items():
        kid = str(kid)
        spec = _mapping(ctx, spec, f"KPI {kid!r}")
        composite: tuple[tuple[str, float], ...] = ()
        scale = None
        if "composite" in spec:
            composite = tuple(
                (str(k), w)
                for k, w in _weights(ctx, spec["composite"], f"KPI {kid!r} composite", tol)
            )
        elif "scale" in spec:
            scale = _scale(ctx, spec["scale"], f"KPI {kid!r} scale")
        else:
            raise ctx.fail(f"KPI {kid!r} needs a scale (breaks for 1–5 points) or a composite")
        target = spec.get("target")
        group = spec.get("group", 1)
        if group not in (1, 2):
            raise ctx.fail(
                f"KPI {kid!r}: group={group!r} must be 1 (experience) or 2 (action programme)"
            )
        kpis[kid] = KpiDef(
            id=kid, name=str(spec.get("name", kid)), scale=scale, composite=composite,
            unit=str(spec.get("unit", "")), group=group,
            factor=_number(ctx, spec.get("factor", 1.0), f"KPI {kid!r} factor"),
            target=None if target is None else _number(ctx, target, f"KPI {kid!r} target"),
        )  # fmt: skip
    for kid, k in kpis.items():
        for part, _ in k.composite:
            if part not in kpis:
                raise ctx.fail(
                    f"KPI {kid!r} is composed of {part!r}, which is not defined under kpis"
                )
    _check_cycles(ctx, kpis)
    return kpis


def _check_cycles(ctx: _Ctx, kpis: Mapping[str, KpiDef]) -> None:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            loop = path[path.index(node) :] + [node]
            raise ctx.fail(f"composite KPIs form a cycle at {node!r}: {' -> '.join(loop)}")
        state[node] = 1
        for part, _ in kpis[node].composite:
            visit(part, [*path, node])
        state[node] = 2

    for kid in kpis:
        visit(kid, [])


def _parse_phases(ctx: _Ctx, raw: Any) -> tuple[tuple[Phase, ...], dict[int, tuple[str, str]]]:
    if not isinstance(raw, list) or not raw:
        raise ctx.fail(f"journey.phases={raw!r} must be a non-empty list")
    phases = []
    stage_of: dict[int, tuple[str, str]] = {}
    for p in raw:
        p = _mapping(ctx, p, "journey.phases[]")
        pid = str(p.get("id", ""))
        if not pid:
            raise ctx.fail(f"a phase has no id: {dict(p)!r}")
        stages = []
        for s in p.get("stages") or ():
            s = _mapping(ctx, s, f"phase {pid!r} stages[]")
            sid = str(s.get("id", ""))
            if not sid:
                raise ctx.fail(f"phase {pid!r} has a stage without id: {dict(s)!r}")
            tps = tuple(_tp_id(ctx, t, f"stage {sid!r}") for t in s.get("touchpoints") or ())
            if not tps:
                raise ctx.fail(f"stage {sid!r} lists no touchpoints")
            for t in tps:
                if t in stage_of:
                    raise ctx.fail(
                        f"touchpoint {t} is in two stages: {stage_of[t][0]!r} and {sid!r}"
                    )
                stage_of[t] = (sid, pid)
            stages.append(Stage(id=sid, name=str(s.get("name", sid)), touchpoints=tps))
        if not stages:
            raise ctx.fail(f"phase {pid!r} has no stages")
        phases.append(Phase(id=pid, name=str(p.get("name", pid)), stages=tuple(stages)))
    return tuple(phases), stage_of


def _parse_services(
    ctx: _Ctx, data: Mapping[str, Any], touchpoints: Mapping[int, TouchpointDef], tol: float
) -> dict[str, ServiceDef]:
    raw = _mapping(ctx, data.get("services"), "services")
    default_tw = data.get("touchpoint_weights")
    _weights(ctx, {sid: _mapping(ctx, s, f"service {sid!r}").get("weight") for sid, s in raw.items()},
             "services weights", tol)  # fmt: skip
    services: dict[str, ServiceDef] = {}
    for sid, spec in raw.items():
        sid = str(sid)
        tw_raw = spec.get("touchpoint_weights", default_tw)
        if tw_raw is None:
            raise ctx.fail(f"service {sid!r} has no touchpoint_weights and there is no default")
        tw = _weights(ctx, tw_raw, f"service {sid!r} touchpoint_weights", tol)
        parsed = []
        for key, w in tw:
            tp = _tp_id(ctx, key, f"service {sid!r} touchpoint_weights")
            if tp not in touchpoints:
                raise ctx.fail(f"service {sid!r} weights touchpoint {tp}, which is not defined under "
                               f"journey.touchpoints")  # fmt: skip
            parsed.append((tp, w))
        services[sid] = ServiceDef(id=sid, name=str(spec.get("name", sid)),
                                   weight=float(spec["weight"]), touchpoints=tuple(parsed))  # fmt: skip
    return services
