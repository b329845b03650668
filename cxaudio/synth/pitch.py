"""A small pitch estimate used to check the escalation of generated calls (plain numpy)."""

from __future__ import annotations

import numpy as np


def median_f0(y: np.ndarray, sr: int, *, fmin: float = 60.0, fmax: float = 400.0) -> float:
    """Median fundamental frequency (Hz) of the voiced 40 ms frames of ``y``, by normalized
    autocorrelation (a frame is voiced when its peak correlation exceeds 0.6); 0 if none."""
    frame, hop = int(0.04 * sr), int(0.01 * sr)
    if len(y) < frame:
        return 0.0
    n = 1 + (len(y) - frame) // hop
    lo, hi = int(sr / fmax), min(int(sr / fmin), frame - 1)
    lags = np.arange(lo, hi + 1)
    y64 = y.astype(np.float64)
    f0s, energies = [], []
    for first in range(0, n, 2048):  # blocks of frames keep memory small on long calls
        count = min(2048, n - first)
        idx = np.arange(frame)[None, :] + hop * (first + np.arange(count))[:, None]
        x = y64[idx]
        x -= x.mean(axis=1, keepdims=True)
        ac = np.fft.irfft(np.abs(np.fft.rfft(x, n=2 * frame, axis=1)) ** 2, axis=1)[:, :frame]
        # normalize by the overlap length so long lags are not penalized
        norm = ac[:, lo : hi + 1] / np.maximum(ac[:, :1], 1e-12) * frame / (frame - lags)
        best = np.argmax(norm, axis=1)
        voiced = norm[np.arange(count), best] > 0.6
        f0s.append(np.where(voiced, sr / (lo + best), 0.0))
        energies.append(ac[:, 0])
    f0, energy = np.concatenate(f0s), np.concatenate(energies)
    loud = energy > 0.1 * np.median(energy[energy > 0]) if np.any(energy > 0) else energy > 0
    keep = loud & (f0 > 0)
    return float(np.median(f0[keep])) if np.any(keep) else 0.0


__all__ = ["median_f0"]
