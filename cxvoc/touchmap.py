"""Which customer-journey touchpoint a record speaks about (SPEC section 6).

Records that name their touchpoint keep it. The others are mapped:

- a call (no touchpoint given) is a contact with the care center, touchpoint 12; a call whose
  ``attributes.topic`` is mapped (a fault, a complaint) also counts at that touchpoint (13, 14);
- a social post counts at the touchpoint of each aspect it mentions, with that aspect's
  sentiment (coverage/speed -> 8, billing -> 10, care center -> 12, ...); a post without a
  mapped aspect counts at ``social_default`` (1, "observe": word of mouth).

The map is configuration: the CEMI YAML may replace it under ``record_touchpoints``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_TOUCHPOINT_MAP", "TouchpointMap", "parse_touchpoint_map"]


@dataclass(frozen=True)
class TouchpointMap:
    """Aspect -> touchpoint for social posts, topic -> touchpoint for calls, and defaults."""

    aspects: Mapping[str, int] = field(default_factory=dict)
    topics: Mapping[str, int] = field(default_factory=dict)
    social_default: int | None = 1
    calls: int | None = 12

    def serialize(self) -> dict[str, Any]:
        return {"aspects": dict(self.aspects), "topics": dict(self.topics),
                "social_default": self.social_default, "calls": self.calls}  # fmt: skip


DEFAULT_TOUCHPOINT_MAP = TouchpointMap(
    aspects={
        # cxtext's telecom aspects (cxtext/data/aspects_telecom.yaml) and common synonyms
        "network_coverage": 8, "network_quality": 8, "data_speed": 8, "picture_quality": 8,
        "price_package": 3, "price": 3, "installation_support": 6, "digital_app": 9,
        "billing": 10, "payment": 11, "customer_service": 12, "power_outage": 13,
        "repair": 13, "complaint": 14, "promotion": 15, "termination": 16,
    },
    topics={"fault": 13, "network": 13, "data": 13, "repair": 13, "outage": 13,
            "complaint": 14, "dispute": 14},
)  # fmt: skip


def _tp(value: Any, where: str, known: set[int] | None) -> int:
    try:
        tp = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}={value!r} must be a touchpoint number") from None
    if known is not None and tp not in known:
        raise ValueError(f"{where}={tp} is not a touchpoint of the journey ({sorted(known)})")
    return tp


def parse_touchpoint_map(raw: Any, *, known: set[int] | None = None) -> TouchpointMap:
    """Validate a ``record_touchpoints`` mapping; None gives the default map.

    Raises ValueError naming the entry (the CEMI config wraps it into a ConfigError).
    """
    if raw is None:
        return DEFAULT_TOUCHPOINT_MAP
    if not isinstance(raw, Mapping):
        raise ValueError(f"must be a mapping, got {type(raw).__name__}")
    unknown = set(raw) - {"aspects", "topics", "social_default", "calls"}
    if unknown:
        raise ValueError(
            f"unknown key(s) {sorted(unknown)}; use aspects, topics, social_default, calls"
        )
    parts: dict[str, dict[str, int]] = {}
    for key in ("aspects", "topics"):
        section = raw.get(key, getattr(DEFAULT_TOUCHPOINT_MAP, key))
        if not isinstance(section, Mapping):
            raise ValueError(f"{key} must map names to touchpoints")
        parts[key] = {str(k): _tp(v, f"{key}.{k}", known) for k, v in section.items()}
    out = {}
    for key in ("social_default", "calls"):
        value = raw.get(key, getattr(DEFAULT_TOUCHPOINT_MAP, key))
        out[key] = None if value is None else _tp(value, key, known)
    return TouchpointMap(aspects=parts["aspects"], topics=parts["topics"], **out)
