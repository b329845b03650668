"""Frame-level prosody of one speaker's signal: power, band level, pitch, tilt, periodicity.

Pitch and voicing come from :mod:`cxaudio.features` (YIN-style); power, the 300–2500 Hz band
level used for syllable nuclei, and the spectral tilt (alpha ratio: level above 1 kHz minus
level below) are computed here with the metric kernels. ``active`` restricts the pitch tracker
to the frames that matter (this speaker talking), which keeps long calls cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from ..errors import ParameterError
from ..metrics import _kernels as mk
from .arousal import ProsodyFrames

__all__ = ["PitchFn", "prosody_frames"]

# (y, sr, hop_length, fmin_hz, fmax_hz) -> (f0_hz with NaN when unvoiced, periodicity in [0, 1])
PitchFn = Callable[[np.ndarray, int, int, float, float], tuple[np.ndarray, np.ndarray]]


@lru_cache(maxsize=8)
def _sos(sr: int, lo: float, hi: float) -> np.ndarray:
    from scipy.signal import butter

    nyq = sr / 2.0
    hi = min(hi, 0.95 * nyq)
    if lo <= 0:
        return butter(2, hi / nyq, btype="lowpass", output="sos")
    return butter(2, [lo / nyq, hi / nyq], btype="bandpass", output="sos")


_FILTER_BLOCK = 1 << 20  # samples filtered at a time: the float64 temporary stays 8 MB


def _band_power(y: np.ndarray, sr: int, lo: float, hi: float, frame: int, hop: int) -> np.ndarray:
    """Frame powers of ``y`` band-passed to [lo, hi] Hz.

    Filtered a block at a time (filter state carried over, frames that straddle a block edge
    computed with the next block): the same values as one ``sosfilt`` over the whole signal,
    without a full-length filtered copy of an hour-long call.
    """
    from scipy.signal import sosfilt

    sos = _sos(sr, lo, hi)
    zi = np.zeros((sos.shape[0], 2))
    tail = np.empty(0, np.float32)  # filtered samples from the first frame not yet computed
    powers = []
    for a in range(0, y.shape[0], _FILTER_BLOCK):
        out, zi = sosfilt(sos, y[a : a + _FILTER_BLOCK], zi=zi)
        buf = np.concatenate([tail, out.astype(np.float32)])
        p = mk.frame_power(buf, frame, hop)
        if a + _FILTER_BLOCK < y.shape[0]:  # keep only frames that end inside buf
            p = p[: max((buf.shape[0] - frame) // hop + 1, 0)]
        powers.append(p)
        tail = buf[p.shape[0] * hop :]
    return np.concatenate(powers) if powers else mk.frame_power(tail, frame, hop)


def _features_pitch(
    y: np.ndarray, sr: int, hop: int, fmin: float, fmax: float
) -> tuple[np.ndarray, np.ndarray]:
    from ..features import pitch

    f0, _voiced, prob = pitch(y, sr, fmin=fmin, fmax=fmax, hop_length=hop)
    return np.asarray(f0, dtype=np.float64), np.asarray(prob, dtype=np.float64)


def _fit(x: np.ndarray, n: int, fill: float) -> np.ndarray:
    if x.shape[0] >= n:
        return x[:n]
    return np.concatenate([x, np.full(n - x.shape[0], fill, dtype=x.dtype)])


def prosody_frames(
    y: np.ndarray,
    sr: int,
    *,
    hop_s: float = 0.01,
    n_frames: int | None = None,
    active: np.ndarray | None = None,
    fmin_hz: float = 70.0,
    fmax_hz: float = 450.0,
    pitch: PitchFn | None = None,
) -> ProsodyFrames:
    """Prosody of mono ``y`` on a ``hop_s`` grid of ``n_frames`` frames.

    ``active``: 0/1 per frame; pitch is tracked only in active stretches (others are NaN).
    ``pitch``: the pitch tracker (default: :mod:`cxaudio.features`).
    """
    if y.ndim != 1:
        raise ParameterError(f"prosody_frames takes mono audio, got shape {y.shape}")
    if not (isinstance(sr, int) and sr > 0):
        raise ParameterError(f"sr={sr!r} must be a positive integer")
    hop = int(round(hop_s * sr))
    frame = int(round(0.025 * sr))
    n = n_frames if n_frames is not None else max((y.size - 1) // hop + 1, 0)
    y = np.ascontiguousarray(y, dtype=np.float32)
    power = _fit(mk.frame_power(y, frame, hop), n, 0.0)
    band = _band_power(y, sr, 300.0, 2500.0, frame, hop)
    band_db = _fit(10 * np.log10(np.maximum(band, 1e-12)), n, -120.0)
    hi = _band_power(y, sr, 1000.0, 3400.0, frame, hop)
    lo = _band_power(y, sr, 0.0, 1000.0, frame, hop)
    tilt = _fit(10 * np.log10(np.maximum(hi, 1e-12) / np.maximum(lo, 1e-12)), n, np.nan)

    f0 = np.full(n, np.nan)
    per = np.zeros(n)
    track = pitch or _features_pitch
    act = np.ones(n, np.uint8) if active is None else np.asarray(active, dtype=np.uint8)[:n]
    pad = 3  # frames of context on each side of an active stretch
    for start, length in mk.zero_runs((1 - act).astype(np.uint8)):
        a, b = max(int(start) - pad, 0), min(int(start + length) + pad, n)
        seg = y[a * hop : b * hop + frame]
        if seg.size < frame * 2:
            continue
        f, p = track(seg, sr, hop, fmin_hz, fmax_hz)
        m = min(f.shape[0], b - a)
        f0[a : a + m] = f[:m]
        per[a : a + m] = p[:m]
    f0[act == 0] = np.nan
    tilt[~np.isfinite(f0)] = np.nan
    return ProsodyFrames(
        hop_s=hop_s, f0_hz=f0, power=power, band_db=band_db, slope=tilt, periodicity=per
    )
