"""Numba kernels of cxaudio.vad (private; plain-numpy references live in the tests)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def hysteresis_segments(
    score: np.ndarray, on: float, off: float, min_speech: int, min_silence: int
) -> tuple[np.ndarray, np.ndarray]:
    """Speech runs of a frame score: start when ``score >= on``; end after ``min_silence`` frames
    below ``off``; drop runs shorter than ``min_speech`` frames. Returns (starts, ends), ends
    exclusive, in frames."""
    n = score.shape[0]
    starts = np.empty(n // 2 + 1, np.int64)
    ends = np.empty(n // 2 + 1, np.int64)
    k = 0
    triggered = False
    start = 0
    temp_end = -1
    for i in range(n):
        s = score[i]
        if s >= on and temp_end >= 0:
            temp_end = -1
        if s >= on and not triggered:
            triggered = True
            start = i
            continue
        if triggered and s < off:
            if temp_end < 0:
                temp_end = i
            if i + 1 - temp_end >= min_silence:
                if temp_end - start >= min_speech:
                    starts[k] = start
                    ends[k] = temp_end
                    k += 1
                triggered = False
                temp_end = -1
    if triggered and n - start >= min_speech:
        starts[k] = start
        ends[k] = n if temp_end < 0 else temp_end
        k += 1
    return starts[:k].copy(), ends[:k].copy()


@njit(cache=True, nogil=True)
def frame_energy_db(
    y: np.ndarray, frame_length: int, hop_length: int, floor_db: float
) -> np.ndarray:
    """Mean-square level (dB re full scale) of frames ``y[i*hop : i*hop + frame_length]`` (the
    last frame may be shorter), clamped below at ``floor_db``."""
    n = y.shape[0]
    n_frames = 0 if n == 0 else 1 + max(0, (n - frame_length + hop_length - 1) // hop_length)
    out = np.empty(n_frames, np.float32)
    floor_ms = 10.0 ** (floor_db / 10.0)
    for i in range(n_frames):
        a = i * hop_length
        b = min(a + frame_length, n)
        acc = 0.0
        for j in range(a, b):
            v = np.float64(y[j])
            acc += v * v
        ms = acc / max(b - a, 1)
        out[i] = 10.0 * np.log10(max(ms, floor_ms))
    return out
