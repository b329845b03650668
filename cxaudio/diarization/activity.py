"""Frame-level speech activity from energy: per channel, with cross-channel bleed removed.

Frames are 10 ms. A channel is active where its energy is above an adaptive threshold: a few dB
above its noise floor (more when the floor fluctuates), and not too far below its speech level,
both estimated from percentiles over the whole call. A signal whose loud 100 ms blocks are less than
``min_range_db`` above its quiet ones (steady noise, hum) has no speech: speech comes and goes
by syllables and pauses, 15 dB and more. In a stereo call the other party often leaks
into a channel (crosstalk, echo, a shared handset): the leak's attenuation is estimated per
channel pair (median level difference while the other channel is loud), and a frame counts on the
quieter channel only when it is ``bleed_margin_db`` above what the leak explains. Masks are then
smoothed: gaps shorter than ``min_gap_s`` (0.3 s, the usual pause that splits speech segments)
are filled, runs shorter than ``min_speech_s`` removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ActivityParams",
    "channel_activity",
    "leak_db",
    "mask_to_runs",
    "smooth_mask",
    "speech_threshold",
]


@dataclass(frozen=True)
class ActivityParams:
    floor_percentile: float = 10.0
    speech_percentile: float = 95.0
    above_floor_db: float = 4.0
    noise_sigmas: float = 3.0
    below_speech_db: float = 32.0
    min_range_db: float = 8.0  # loud 100 ms blocks this little above the quiet ones: steady noise
    bleed_margin_db: float = 8.0
    min_gap_s: float = 0.3
    min_speech_s: float = 0.12
    frame_s: float = 0.01


def speech_threshold(energy_db: np.ndarray, p: ActivityParams) -> float:
    e = energy_db[energy_db > -95.0]
    if e.size == 0:
        return np.inf
    floor, level = np.percentile(e, [p.floor_percentile, p.speech_percentile])
    if _range_db(e, round(0.1 / p.frame_s), p) < p.min_range_db:
        return np.inf
    quiet = e[e <= floor]
    spread = float(np.std(quiet)) if quiet.size > 1 else 0.0
    thr = max(floor + max(p.above_floor_db, p.noise_sigmas * spread), level - p.below_speech_db)
    return float(min(thr, level - 3.0))


def _range_db(e: np.ndarray, block: int, p: ActivityParams) -> float:
    """Loud-minus-quiet level (speech vs floor percentiles) of ``block``-frame power averages:
    noise fluctuates from frame to frame but hardly from one 100 ms block to the next."""
    block = max(1, block)
    n = len(e) // block
    if n < 10:
        return float(np.subtract(*np.percentile(e, [p.speech_percentile, p.floor_percentile])))
    power = np.mean(10 ** (e[: n * block].astype(np.float64) / 10).reshape(n, block), axis=1)
    b = 10 * np.log10(power)
    return float(np.subtract(*np.percentile(b, [p.speech_percentile, p.floor_percentile])))


def mask_to_runs(mask: np.ndarray) -> np.ndarray:
    """``(k, 2)`` start/stop frame indices of the True runs of ``mask``."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return d.reshape(-1, 2)


def smooth_mask(mask: np.ndarray, *, min_gap: int, min_len: int) -> np.ndarray:
    out = np.asarray(mask, bool).copy()
    runs = mask_to_runs(~out)
    for s, e in runs:
        if s > 0 and e < len(out) and e - s < min_gap:
            out[s:e] = True
    for s, e in mask_to_runs(out):
        if e - s < min_len:
            out[s:e] = False
    return out


def leak_db(e_c: np.ndarray, e_o: np.ndarray, thr_o: float) -> float:
    """Level of channel ``c`` relative to channel ``o`` while ``o`` is loud (median, dB): the
    attenuation of ``o`` leaking into ``c`` (very negative when nothing leaks)."""
    if e_o.size < 10:
        return -np.inf
    loud = e_o >= max(thr_o, float(np.percentile(e_o, 80)))
    if loud.sum() < 10:
        return -np.inf
    return float(np.median(e_c[loud] - e_o[loud]))


def channel_activity(energy_db: np.ndarray, params: ActivityParams | None = None) -> np.ndarray:
    """Speech masks ``(channels, frames)`` from energies ``(channels, frames)`` in dB."""
    p = params or ActivityParams()
    e = np.asarray(energy_db, np.float32)
    thr = np.array([speech_threshold(ch, p) for ch in e], np.float32)
    active = e > thr[:, None]
    for c in range(e.shape[0]):
        for o in range(e.shape[0]):
            if o != c:
                active[c] &= e[c] >= e[o] + leak_db(e[c], e[o], thr[o]) + p.bleed_margin_db
    gap = max(1, round(p.min_gap_s / p.frame_s))
    short = max(1, round(p.min_speech_s / p.frame_s))
    return np.stack([smooth_mask(a, min_gap=gap, min_len=short) for a in active])
