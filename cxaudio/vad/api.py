"""The public VAD verb, :func:`vad`: speech segments of a mono signal."""

from __future__ import annotations

import logging
import math
from typing import Literal

import numpy as np
import soxr

from ..errors import ParameterError
from ..types import Segment
from ._kernels import frame_energy_db, hysteresis_segments
from .floor import noise_floor_db

__all__ = ["vad", "energy_levels"]

logger = logging.getLogger(__name__)

Backend = Literal["silero", "energy"]


def _check_signal(y: np.ndarray, sr: int) -> np.ndarray:
    if isinstance(sr, bool) or not isinstance(sr, int | np.integer) or sr <= 0:
        raise ParameterError(f"sr={sr!r} must be a positive integer (Hz)")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[0] == 1:
        y = y[0]
    if y.ndim != 1:
        raise ParameterError(
            f"y has shape {y.shape}; VAD takes one channel, shape (n,): pass y[c] for channel c"
        )
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"y has dtype {y.dtype}; expected float audio in [-1, 1]")
    y = np.ascontiguousarray(y, dtype=np.float32)
    if not np.isfinite(y).all():
        raise ParameterError("y contains NaN or infinite samples")
    return y


def _positive(name: str, value: float, *, allow_zero: bool = True) -> float:
    ok = value >= 0 if allow_zero else value > 0
    if not isinstance(value, int | float) or isinstance(value, bool) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ParameterError(f"{name}={value!r} must be a number {bound}")
    return float(value)


def _to_segments(
    starts: np.ndarray, ends: np.ndarray, hop_s: float, frame_s: float, pad_s: float, total_s: float
) -> list[Segment]:
    """Frame runs -> padded segments in seconds; a gap narrower than 2*pad is split in half."""
    t0 = starts * hop_s
    t1 = np.minimum((ends - 1) * hop_s + frame_s, total_s)
    out: list[Segment] = []
    for i in range(t0.size):
        a = max(0.0, float(t0[i]) - pad_s)
        b = min(total_s, float(t1[i]) + pad_s)
        if out and a < out[-1].end:
            mid = 0.5 * (float(t1[i - 1]) + float(t0[i]))
            out[-1] = Segment(out[-1].start, round(mid, 4))
            a = mid
        out.append(Segment(round(a, 4), round(b, 4)))
    return [s for s in out if s.end > s.start]


def energy_levels(
    y: np.ndarray, sr: int, *, frame_s: float = 0.025, hop_s: float = 0.010
) -> tuple[np.ndarray, float, float]:
    """Frame levels in dBFS used by the energy backend: ``(level_db, hop_s, frame_s)``."""
    y = _check_signal(y, sr)
    frame = max(1, int(round(frame_s * sr)))
    hop = max(1, int(round(hop_s * sr)))
    return frame_energy_db(y, frame, hop, -120.0), hop / sr, frame / sr


def vad(
    y: np.ndarray,
    sr: int,
    *,
    backend: Backend = "silero",
    threshold: float | None = None,
    min_speech_s: float = 0.25,
    min_silence_s: float = 0.1,
    pad_s: float = 0.03,
    device: str = "auto",
    num_threads: int = 1,
    energy_margin_db: float = 12.0,
    energy_hysteresis_db: float = 6.0,
) -> list[Segment]:
    """Speech segments of a mono signal, as :class:`cxaudio.Segment` in seconds.

    ``backend="silero"``: the Silero VAD ONNX model (8 kHz audio runs natively at 8 kHz, 16 kHz
    natively, other rates are resampled to 16 kHz); ``threshold`` is the speech probability to
    start a segment (default 0.5), ending below ``threshold - 0.15``.
    ``backend="energy"``: no model; frame level (25 ms frames, 10 ms hop) against the noise
    floor (10th percentile of frame levels above digital silence): speech starts
    ``energy_margin_db`` above the floor (less, down to 6 dB, when the loudest frames are within
    4x that of the floor; or at ``threshold`` dBFS if given) and ends ``energy_hysteresis_db``
    lower (but >= 1 dB above the floor). Reliable at SNR >= 20 dB; use silero for noisier audio.
    Both drop speech shorter than ``min_speech_s``, bridge pauses shorter than ``min_silence_s``
    and pad segments by ``pad_s``. For stereo calls run it per channel: ``vad(y[0], sr)``.

    >>> y, sr = cxaudio.load("call.wav")              # (2, n) at 8 kHz
    >>> agent = cxaudio.vad(y[0], sr)                 # [Segment(start=0.41, end=2.87), ...]
    >>> quick = cxaudio.vad(y[1], sr, backend="energy")
    """
    y = _check_signal(y, sr)
    min_speech_s = _positive("min_speech_s", min_speech_s)
    min_silence_s = _positive("min_silence_s", min_silence_s)
    pad_s = _positive("pad_s", pad_s)
    total_s = y.shape[0] / sr
    if backend == "silero":
        from .silero import silero_model

        thr = 0.5 if threshold is None else float(threshold)
        if not 0.0 < thr < 1.0:
            raise ParameterError(f"threshold={threshold!r} must be in (0, 1) for backend='silero'")
        model_sr = sr if sr in (8000, 16000) else 16000
        x = y if model_sr == sr else soxr.resample(y, sr, model_sr, quality="HQ")
        score, hop_s = silero_model(device, num_threads).probabilities(x, model_sr)
        frame_s = hop_s
        on, off = thr, max(thr - 0.15, 0.01)
    elif backend == "energy":
        margin = _positive("energy_margin_db", energy_margin_db, allow_zero=False)
        hyst = _positive("energy_hysteresis_db", energy_hysteresis_db)
        score, hop_s, frame_s = energy_levels(y, sr)
        if threshold is not None:
            on = float(threshold)
        else:
            floor = noise_floor_db(score)
            peak = float(np.percentile(score, 99)) if score.size else floor
            # the margin shrinks (to 6 dB at least) when the loudest frames sit close to the floor
            margin = min(margin, max(6.0, 0.25 * float(peak - floor)))
            on = max(float(floor) + margin, -70.0)
        off = on - hyst if threshold is not None else max(on - hyst, float(floor) + 1.0)
    else:
        raise ParameterError(f"backend={backend!r} is not supported; accepted: 'silero', 'energy'")
    min_speech = int(math.ceil(min_speech_s / hop_s))
    min_silence = max(1, int(math.ceil(min_silence_s / hop_s)))
    starts, ends = hysteresis_segments(score, on, off, min_speech, min_silence)
    return _to_segments(starts, ends, hop_s, frame_s, pad_s, total_s)
