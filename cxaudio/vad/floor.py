"""Noise-floor estimate shared by the VAD backends."""

from __future__ import annotations

import numpy as np

_DIGITAL_SILENCE_DB = -100.0


def noise_floor_db(level_db: np.ndarray, *, percentile: float = 10.0) -> float:
    """The ``percentile`` of frame levels (dBFS), ignoring digital silence (<= -100 dBFS), which
    PBX recordings hold between calls and which would otherwise pull the floor to the bottom."""
    live = level_db[level_db > _DIGITAL_SILENCE_DB]
    if live.size == 0:
        return float(level_db.min()) if level_db.size else -120.0
    return float(np.percentile(live, percentile))
