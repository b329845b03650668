"""Pitch (f0) with voicing: a YIN estimator in a numba kernel."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from . import _kernels as K
from ._validate import (
    default_hop,
    frames_count,
    positive_float,
    positive_int,
    valid_audio,
    valid_sr,
)

__all__ = ["pitch"]


def pitch(
    y: np.ndarray,
    sr: int,
    *,
    fmin: float = 60.0,
    fmax: float = 500.0,
    frame_length: int | None = None,
    hop_length: int | None = None,
    threshold: float = 0.15,
    voicing_threshold: float = 0.4,
    voicing_extend: float = 0.5,
    silence_db: float = -60.0,
    center: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fundamental frequency per frame with voicing (YIN, de Cheveigné & Kawahara 2002).

    Returns ``(f0_hz, voiced_flag, voiced_prob)``, each ``(n_frames,)``, like ``librosa.pyin``:
    ``f0_hz`` is NaN on unvoiced frames; ``voiced_prob = 1 - d'`` (the cumulative mean normalized
    difference at the chosen period, clipped to [0, 1]); a frame is voiced when its level is above
    ``silence_db`` dBFS and ``d' < voicing_threshold``, or ``d' < voicing_extend`` next to a voiced
    frame (hysteresis over time, as pYIN's HMM keeps voicing on). The period is the first dip of
    ``d'`` below ``threshold`` (followed to its minimum), refined by parabolic interpolation.

    Frames match ``librosa.pyin(y, sr=sr, frame_length=frame_length, hop_length=hop_length)``
    (``1 + len(y) // hop_length`` frames, difference window ``frame_length // 2``); with ``center``
    the two compared windows are centred on ``t * hop_length`` (for a mid-range period), so f0
    is measured at the frame's time rather than ~win/2 earlier.
    Defaults: ``frame_length`` = 2 periods of ``fmin`` (+2 samples), ``hop_length`` 10 ms.

    >>> f0_hz, voiced, prob = cxaudio.pitch(y, 8000, fmin=60, fmax=400)
    >>> np.nanmedian(f0_hz)
    182.4
    """
    y = valid_audio(y)
    sr = valid_sr(sr)
    fmin = positive_float("fmin", fmin)
    fmax = positive_float("fmax", fmax)
    if not fmin < fmax < sr / 2:
        raise ParameterError(
            f"fmin={fmin}, fmax={fmax} must satisfy 0 < fmin < fmax < sr/2={sr / 2}"
        )
    if frame_length is None:
        frame_length = 2 * (math.ceil(sr / fmin) + 1)
    frame_length = positive_int("frame_length", frame_length)
    hop = default_hop(sr, hop_length)
    for name, v in (
        ("threshold", threshold),
        ("voicing_threshold", voicing_threshold),
        ("voicing_extend", voicing_extend),
    ):
        if not 0.0 < v <= 1.0:
            raise ParameterError(f"{name}={v!r} must be in (0, 1]")
    win = frame_length // 2
    tau_min = max(2, int(math.floor(sr / fmax)))
    tau_max = int(math.ceil(sr / fmin))
    if frame_length - win - 1 < tau_max:
        raise ParameterError(
            f"frame_length={frame_length} is too short for fmin={fmin} Hz at sr={sr}: "
            f"use frame_length >= {2 * (math.ceil(sr / fmin) + 1)}"
        )
    n_frames = frames_count(y.size, frame_length, hop, center)
    if center:
        # centre the compared windows (x[j] and x[j + tau], j < win) on t * hop for a mid-range tau
        pad = win // 2 + (tau_min + tau_max) // 4
        x = np.zeros(y.size + 2 * pad + frame_length, np.float32)
        x[pad : pad + y.size] = y
    else:
        x = np.concatenate([y, np.zeros(frame_length, np.float32)])
    period, cmnd = K.yin(x, frame_length, win, hop, n_frames, tau_min, tau_max, float(threshold))
    level = K.frame_rms(x, frame_length, hop, n_frames)
    loud = level > 10.0 ** (silence_db / 20.0)
    ok = loud & (period > 0)
    voiced = K.grow_runs((cmnd < voicing_threshold) & ok, (cmnd < voicing_extend) & ok)
    prob = np.clip(1.0 - cmnd, 0.0, 1.0).astype(np.float32)
    prob[~loud] = 0.0
    with np.errstate(divide="ignore"):
        f0 = np.where(voiced, sr / np.where(period > 0, period, 1.0), np.nan)
    return f0.astype(np.float32), voiced, prob
