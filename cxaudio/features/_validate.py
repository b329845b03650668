"""Shared validators of the public feature functions (messages repeat the bad value)."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError


def valid_sr(sr: object) -> int:
    if isinstance(sr, bool) or not isinstance(sr, int | np.integer) or sr <= 0:
        raise ParameterError(f"sr={sr!r} must be a positive integer (Hz)")
    return int(sr)


def valid_audio(y: object, *, multichannel: bool = False) -> np.ndarray:
    """float32 C-contiguous audio; 1-D, or (channels, n) when ``multichannel``."""
    arr = np.asarray(y)
    if not np.issubdtype(arr.dtype, np.floating):
        raise ParameterError(f"y has dtype {arr.dtype}; expected float audio in [-1, 1]")
    if arr.ndim != 1 and not (multichannel and arr.ndim == 2):
        accepted = "(n,) or (channels, n)" if multichannel else "(n,): pass y[c] for channel c"
        raise ParameterError(f"y has shape {arr.shape}; accepted: {accepted}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise ParameterError("y contains NaN or infinite samples")
    return arr


def positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ParameterError(f"{name}={value!r} must be a positive integer")
    return int(value)


def positive_float(name: str, value: object, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, int | float | np.floating) and not isinstance(value, bool)
    if ok:
        v = float(value)  # type: ignore[arg-type]
        ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        raise ParameterError(
            f"{name}={value!r} must be a finite number {'>=' if allow_zero else '>'} 0"
        )
    return float(value)  # type: ignore[arg-type]


def frames_count(n: int, frame_length: int, hop_length: int, center: bool) -> int:
    if center:
        return 1 + n // hop_length
    return 0 if n < frame_length else 1 + (n - frame_length) // hop_length


def default_hop(sr: int, hop_length: int | None) -> int:
    return max(1, sr // 100) if hop_length is None else positive_int("hop_length", hop_length)


def default_frame(sr: int, frame_length: int | None, seconds: float = 0.025) -> int:
    if frame_length is None:
        return max(2, int(round(seconds * sr)))
    return positive_int("frame_length", frame_length)


def default_n_fft(sr: int, n_fft: int | None) -> int:
    """Power of two: given, or the smallest holding 25 ms (256 at 8 kHz, 512 at 16 kHz)."""
    if n_fft is None:
        return 1 << max(4, math.ceil(math.log2(0.025 * sr)))
    n = positive_int("n_fft", n_fft)
    if n < 16 or n & (n - 1):
        raise ParameterError(f"n_fft={n_fft!r} must be a power of two >= 16 (e.g. 256, 512)")
    return n
