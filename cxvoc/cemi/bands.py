"""The five CEMI bands (SPEC section 6) and their colours."""

from __future__ import annotations

import math
from typing import Literal

from ..errors import ValidationError

__all__ = ["BANDS", "BAND_COLORS", "Band", "band"]

Band = Literal["Poor", "Average", "Fair", "Good", "Excellent"]

BANDS: tuple[tuple[Band, float, float], ...] = (
    ("Poor", 1.0, 2.0),
    ("Average", 2.0, 3.0),
    ("Fair", 3.0, 3.5),
    ("Good", 3.5, 4.5),
    ("Excellent", 4.5, 5.0),
)
"""(band, lower bound inclusive, upper bound exclusive except 5 for Excellent)."""

BAND_COLORS: dict[str, str] = {
    "Poor": "#c62828",
    "Average": "#ef6c00",
    "Fair": "#f9a825",
    "Good": "#7cb342",
    "Excellent": "#2e7d32",
}


def band(score: float) -> Band:
    """Poor [1, 2), Average [2, 3), Fair [3, 3.5), Good [3.5, 4.5), Excellent [4.5, 5]."""
    if not isinstance(score, int | float) or math.isnan(score) or not 1.0 <= score <= 5.0:
        raise ValidationError(f"CEMI score {score!r} is outside the scale 1–5")
    if score < 2.0:
        return "Poor"
    if score < 3.0:
        return "Average"
    if score < 3.5:
        return "Fair"
    if score < 4.5:
        return "Good"
    return "Excellent"
