"""CEMI, the customer-experience management index (SPEC section 6).

A 4-level weighted hierarchy read from a YAML configuration: KPI points (1–5 by each KPI's
scoring scale) -> touchpoint -> service -> unit, with exclusion of KPIs that did not occur and
proportional redistribution of their weight, five bands, and pain points.

    >>> from cxvoc import cemi
    >>> config = cemi.load_config()                       # the default telecom journey
    >>> values = cemi.KpiValues.from_table("kpis.csv")    # and/or KpiValues.from_records(store)
    >>> result = cemi.compute_cemi(config, values, period="2026-10")
    >>> cemi.pain_points(result, top=10)
"""

from .bands import BAND_COLORS, BANDS, Band, band
from .compute import CemiResult, KpiScore, ServiceScore, TouchpointScore, UnitScore, compute_cemi
from .config import (
    CemiConfig,
    KpiDef,
    Phase,
    ScoringScale,
    ServiceDef,
    Stage,
    TouchpointDef,
    default_config_path,
    load_config,
    parse_config,
)
from .painpoints import BASES, PainPoint, pain_points
from .values import NETWORK, KpiObservation, KpiValues

__all__ = [
    "BANDS",
    "BAND_COLORS",
    "BASES",
    "NETWORK",
    "Band",
    "CemiConfig",
    "CemiResult",
    "KpiDef",
    "KpiObservation",
    "KpiScore",
    "KpiValues",
    "PainPoint",
    "Phase",
    "ScoringScale",
    "ServiceDef",
    "ServiceScore",
    "Stage",
    "TouchpointDef",
    "TouchpointScore",
    "UnitScore",
    "band",
    "compute_cemi",
    "default_config_path",
    "load_config",
    "pain_points",
    "parse_config",
]
