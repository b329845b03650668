"""Numba kernels of the call metrics, each with a plain-numpy reference (``*_ref``).

Arrays and scalars in, arrays out; the public wrappers in the sibling modules validate.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def activity_mask(starts: np.ndarray, ends: np.ndarray, n_frames: int, hop_s: float) -> np.ndarray:
    """1 for frames whose centre lies inside any [start, end) interval, else 0."""
    mask = np.zeros(n_frames, dtype=np.uint8)
    for i in range(starts.shape[0]):
        a = int(np.ceil(starts[i] / hop_s - 0.5))
        b = int(np.ceil(ends[i] / hop_s - 0.5))
        a = max(a, 0)
        b = min(b, n_frames)
        for j in range(a, b):
            mask[j] = 1
    return mask


def activity_mask_ref(
    starts: np.ndarray, ends: np.ndarray, n_frames: int, hop_s: float
) -> np.ndarray:
    centres = (np.arange(n_frames) + 0.5) * hop_s
    if not starts.size:
        return np.zeros(n_frames, np.uint8)
    inside = (centres[:, None] >= starts[None, :]) & (centres[:, None] < ends[None, :])
    return np.asarray(inside.any(axis=1), dtype=np.uint8)


@njit(cache=True, nogil=True)
def zero_runs(mask: np.ndarray) -> np.ndarray:
    """(start, length) of each run of zeros in ``mask``, shape (n_runs, 2)."""
    out = np.empty((mask.shape[0] // 2 + 1, 2), dtype=np.int64)
    n = 0
    i = 0
    size = mask.shape[0]
    while i < size:
        if mask[i] == 0:
            j = i
            while j < size and mask[j] == 0:
                j += 1
            out[n, 0] = i
            out[n, 1] = j - i
            n += 1
            i = j
        else:
            i += 1
    return out[:n].copy()


def zero_runs_ref(mask: np.ndarray) -> np.ndarray:
    padded = np.concatenate([[1], (np.asarray(mask) != 0).astype(np.int8), [1]])
    d = np.diff(padded)
    starts = np.flatnonzero(d == -1)
    ends = np.flatnonzero(d == 1)
    return np.stack([starts, ends - starts], axis=1).astype(np.int64)


@njit(cache=True, nogil=True)
def syllable_peaks(
    level_db: np.ndarray, voiced: np.ndarray, floor_db: float, dip_db: float
) -> np.ndarray:
    """Indices of syllable nuclei: local maxima of ``level_db`` in voiced frames above
    ``floor_db``, each separated from the previous kept peak by a dip of at least ``dip_db``."""
    n = level_db.shape[0]
    out = np.empty(n, dtype=np.int64)
    count = 0
    last_peak_db = -1e9
    low_since = 1e9  # lowest level since the last kept peak
    for i in range(n):
        v = level_db[i]
        if v < low_since:
            low_since = v
        if i == 0 or i == n - 1 or not voiced[i] or v < floor_db:
            continue
        if v >= level_db[i - 1] and v > level_db[i + 1]:
            if count == 0 or (last_peak_db - low_since >= dip_db and v - low_since >= dip_db):
                out[count] = i
                count += 1
                last_peak_db = v
                low_since = v
            elif v > last_peak_db:
                out[count - 1] = i  # a higher top of the same syllable
                last_peak_db = v
                low_since = v
    return out[:count].copy()


def syllable_peaks_ref(
    level_db: np.ndarray, voiced: np.ndarray, floor_db: float, dip_db: float
) -> np.ndarray:
    peaks: list[int] = []
    last = -1e9
    low = 1e9
    n = len(level_db)
    for i in range(n):
        v = float(level_db[i])
        low = min(low, v)
        if i in (0, n - 1) or not voiced[i] or v < floor_db:
            continue
        if level_db[i - 1] <= v > level_db[i + 1]:
            if not peaks or (last - low >= dip_db and v - low >= dip_db):
                peaks.append(i)
                last = low = v
            elif v > last:
                peaks[-1] = i
                last = low = v
    return np.asarray(peaks, dtype=np.int64)


@njit(cache=True, nogil=True)
def frame_power(y: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """Mean square of each frame (frames that start inside the signal, zero-padded)."""
    n = y.shape[0]
    n_frames = max((n - 1) // hop + 1, 0) if n > 0 else 0
    out = np.zeros(n_frames, dtype=np.float64)
    for f in range(n_frames):
        a = f * hop
        b = min(a + frame, n)
        acc = 0.0
        for j in range(a, b):
            acc += float(y[j]) * float(y[j])
        out[f] = acc / frame
    return out


def frame_power_ref(y: np.ndarray, frame: int, hop: int) -> np.ndarray:
    n = len(y)
    if n == 0:
        return np.zeros(0)
    n_frames = (n - 1) // hop + 1
    padded = np.concatenate([np.asarray(y, np.float64), np.zeros(frame)])
    idx = np.arange(n_frames)[:, None] * hop + np.arange(frame)[None, :]
    return (padded[idx] ** 2).mean(axis=1)


@njit(cache=True, nogil=True)
def count_clipped(y: np.ndarray, level: float) -> int:
    count = 0
    for i in range(y.shape[0]):
        if abs(y[i]) >= level:
            count += 1
    return count


def count_clipped_ref(y: np.ndarray, level: float) -> int:
    return int(np.count_nonzero(np.abs(y) >= level))


__all__ = [
    "activity_mask",
    "activity_mask_ref",
    "count_clipped",
    "count_clipped_ref",
    "frame_power",
    "frame_power_ref",
    "syllable_peaks",
    "syllable_peaks_ref",
    "zero_runs",
    "zero_runs_ref",
]
