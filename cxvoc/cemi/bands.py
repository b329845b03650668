"""The five CEMI bands (SPEC section 6) and their colours."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
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


def band(score: float | Fraction | Decimal) -> Band:
    """Poor [1, 2), Average [2, 3), Fair [3, 3.5), Good [3.5, 4.5), Excellent [4.5, 5].

    The edges are compared exactly: give an exact :class:`~fractions.Fraction` (as
    :func:`cxvoc.cemi.compute_cemi` does) to band a weighted mean without rounding error.
    """
    if isinstance(score, bool) or not isinstance(score, int | float | Fraction | Decimal):
        raise ValidationError(f"CEMI score {score!r} is outside the scale 1–5")
    if isinstance(score, float | Decimal) and not math.isfinite(score):
        raise ValidationError(f"CEMI score {score!r} is outside the scale 1–5")
    x = Fraction(score)
    if not 1 <= x <= 5:
        raise ValidationError(f"CEMI score {float(x)!r} is outside the scale 1–5")
    for name, _, hi in BANDS[:-1]:
        if x < Fraction(hi):
            return name
    return "Excellent"
