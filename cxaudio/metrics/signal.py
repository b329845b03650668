"""Signal metrics of a call: speaking rate, loudness per party, clipping ratio, SNR estimate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import _kernels

__all__ = ["PartySignal", "SignalMetrics", "clipping_ratio", "snr_estimate_db", "speaking_rate"]

CLIP_LEVEL = 0.999


@dataclass(frozen=True)
class PartySignal:
    """Signal metrics of one party, measured over their turns without overtalk."""

    speaking_rate_syl_s: float | None
    loudness_lufs: float | None
    level_dbfs: float | None

    def serialize(self) -> dict[str, Any]:
        return {k: (None if v is None else round(v, 2)) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class SignalMetrics:
    agent: PartySignal
    customer: PartySignal
    clipping_ratio: float
    snr_db: float | None

    def serialize(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for party in ("agent", "customer"):
            for k, v in getattr(self, party).serialize().items():
                out[f"{k}_{party}"] = v
        out["clipping_ratio"] = round(self.clipping_ratio, 6)
        out["snr_db"] = None if self.snr_db is None else round(self.snr_db, 2)
        return out


def clipping_ratio(y: np.ndarray, *, level: float = CLIP_LEVEL) -> float:
    """Share of samples at or above ``level`` in magnitude (all channels)."""
    flat = np.ascontiguousarray(y, dtype=np.float32).reshape(-1)
    return _kernels.count_clipped(flat, float(level)) / max(flat.size, 1)


def snr_estimate_db(power: np.ndarray, speech: np.ndarray) -> float | None:
    """SNR from frame powers: mean power of speech frames over the median of the others.

    ``speech``: 0/1 per frame (anyone talking). None when either class has too few frames.
    """
    speech = speech.astype(bool)
    if speech.sum() < 10 or (~speech).sum() < 10:
        return None
    noise = float(np.median(power[~speech]))
    signal = float(np.mean(power[speech]))
    clean = max(signal - noise, 1e-12)
    return float(10 * np.log10(clean / max(noise, 1e-12)))


def speaking_rate(
    band_db: np.ndarray,
    voiced: np.ndarray,
    frames: np.ndarray,
    *,
    hop_s: float,
    dip_db: float = 4.0,
    floor_below_max_db: float = 20.0,
) -> float | None:
    """Syllables per second of speaking time (syllable nuclei, after de Jong & Wempe 2009).

    Nuclei are peaks of the band-passed intensity ``band_db`` in voiced frames, separated by
    dips of ``dip_db`` and within ``floor_below_max_db`` of the loud end of the party's level;
    ``frames`` are the 0/1 frames in which this party talks alone. Defaults tuned on synthetic
    Vietnamese calls (one syllable per written word): mean absolute error 6 % (bench_calls).
    """
    idx = np.flatnonzero(frames)
    if idx.size < 50:
        return None
    level = np.where(frames.astype(bool), band_db, -200.0).astype(np.float64)
    floor = float(np.percentile(band_db[idx], 99)) - floor_below_max_db
    peaks = _kernels.syllable_peaks(
        level, (voiced & frames.astype(bool)).astype(np.uint8), floor, dip_db
    )
    return peaks.size / (idx.size * hop_s)


def _mean_square(y: np.ndarray, block: int = 1 << 20) -> float:
    """Mean of ``y**2`` in float64, a block at a time (no full-length float64 copy)."""
    acc = 0.0
    for a in range(0, y.shape[0], block):
        b = y[a : a + block].astype(np.float64)
        acc += float(np.dot(b, b))
    return acc / max(y.shape[0], 1)


def party_loudness(
    y: np.ndarray,
    sr: int,
    spans: Sequence[tuple[float, float]],
    lufs: Callable[[list[np.ndarray], int], float],
) -> tuple[float | None, float | None]:
    """(LUFS, dBFS) of the concatenation of ``spans`` of mono ``y``.

    ``lufs(pieces, sr)``: loudness of the concatenation of ``pieces`` (views of ``y``; never
    concatenated here, so an hour-long call has no copy of a party's speech)."""
    pieces = [y[int(a * sr) : int(b * sr)] for a, b in spans if b - a > 0.05]
    size = sum(x.size for x in pieces)
    if not pieces or size < int(0.4 * sr):
        return None, None
    ms = sum(_mean_square(x) * x.size for x in pieces) / size
    dbfs = 10 * np.log10(max(ms, 1e-12))  # RMS level re full scale (sox convention)
    value = lufs(pieces, sr)
    return (None if not np.isfinite(value) else float(value)), float(dbfs)
