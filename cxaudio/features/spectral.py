"""Framing, power spectrogram, log-mel and spectral slope (numba FFT kernels)."""

from __future__ import annotations

import logging
from functools import cache

import numpy as np

from ..errors import ParameterError
from . import _kernels as K
from ._validate import (
    default_hop,
    default_n_fft,
    frames_count,
    positive_float,
    positive_int,
    valid_audio,
    valid_sr,
)

__all__ = ["frame", "log_mel", "mel_filterbank", "power_spectrogram", "spectral_slope"]

logger = logging.getLogger(__name__)


def frame(y: np.ndarray, *, frame_length: int, hop_length: int) -> np.ndarray:
    """Frames of a 1-D signal as rows: ``out[i] = y[i*hop_length : i*hop_length + frame_length]``.

    Only full frames; shape ``(n_frames, frame_length)`` (a copy, unlike librosa's view).

    >>> cxaudio.frame(y, frame_length=200, hop_length=80).shape
    (99, 200)
    """
    y = valid_audio(y)
    return K.frame(
        y, positive_int("frame_length", frame_length), positive_int("hop_length", hop_length)
    )


@cache
def _hann(n: int) -> np.ndarray:
    """Periodic Hann window (as ``scipy.signal.get_window('hann', n)``)."""
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)
    w.setflags(write=False)
    return w.astype(np.float32)


def _padded(y: np.ndarray, n_fft: int, center: bool) -> np.ndarray:
    if not center:
        return y
    pad = n_fft // 2
    out = np.zeros(y.size + 2 * pad, np.float32)
    out[pad : pad + y.size] = y
    return out


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    f = np.asanyarray(f, dtype=np.float64)
    mel = f / (200.0 / 3)
    log_part = f >= 1000.0
    return np.where(
        log_part, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), mel
    )


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asanyarray(m, dtype=np.float64)
    f = m * (200.0 / 3)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), f)


def _check_band(sr: int, fmin: float, fmax: float | None) -> tuple[float, float]:
    fmin = positive_float("fmin", fmin, allow_zero=True)
    hi = sr / 2.0 if fmax is None else positive_float("fmax", fmax)
    if not fmin < hi <= sr / 2.0:
        raise ParameterError(
            f"fmin={fmin}, fmax={fmax} must satisfy 0 <= fmin < fmax <= sr/2={sr / 2}"
        )
    return fmin, hi


@cache
def _mel_cached(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    freqs = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
    lo_mel, hi_mel = _hz_to_mel(np.array([fmin, fmax]))
    mel_f = _mel_to_hz(np.linspace(lo_mel, hi_mel, n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    if not (weights.max(axis=1) > 0).all():
        logger.warning(
            "mel filterbank: some of n_mels=%d bands are empty at n_fft=%d", n_mels, n_fft
        )
    out = weights.astype(np.float32)
    out.setflags(write=False)
    return out


def mel_filterbank(
    sr: int, *, n_fft: int, n_mels: int = 64, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Slaney-style mel filterbank ``(n_mels, 1 + n_fft // 2)``, equal to ``librosa.filters.mel``.

    >>> cxaudio.mel_filterbank(16000, n_fft=512, n_mels=64).shape
    (64, 257)
    """
    sr = valid_sr(sr)
    n_fft = positive_int("n_fft", n_fft)
    fmin, hi = _check_band(sr, fmin, fmax)
    return _mel_cached(sr, n_fft, positive_int("n_mels", n_mels), fmin, hi)


@cache
def _sparse_bank(
    sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fb = _mel_cached(sr, n_fft, n_mels, fmin, fmax)
    nz = fb > 0
    any_nz = nz.any(axis=1)
    lo = np.where(any_nz, nz.argmax(axis=1), 0).astype(np.int64)
    hi = np.where(any_nz, fb.shape[1] - nz[:, ::-1].argmax(axis=1), 0).astype(np.int64)
    width = max(1, int((hi - lo).max()))
    w = np.zeros((n_mels, width), np.float32)
    for b in range(n_mels):
        w[b, : hi[b] - lo[b]] = fb[b, lo[b] : hi[b]]
    return lo, hi, w


def power_spectrogram(
    y: np.ndarray,
    sr: int,
    *,
    n_fft: int | None = None,
    hop_length: int | None = None,
    center: bool = True,
) -> np.ndarray:
    """``|STFT|**2`` with a periodic Hann window: shape ``(1 + n_fft // 2, n_frames)``.

    Same frames as ``librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=center,
    pad_mode="constant")``. ``n_fft`` must be a power of two (default: the smallest holding 25 ms);
    ``hop_length`` defaults to 10 ms.
    """
    y = valid_audio(y)
    sr = valid_sr(sr)
    n_fft, hop = default_n_fft(sr, n_fft), default_hop(sr, hop_length)
    n_frames = frames_count(y.size, n_fft, hop, center)
    return K.power_spectrogram(_padded(y, n_fft, center), n_fft, hop, _hann(n_fft), n_frames)


def log_mel(
    y: np.ndarray,
    sr: int,
    *,
    n_fft: int | None = None,
    hop_length: int | None = None,
    n_mels: int = 64,
    fmin: float = 0.0,
    fmax: float | None = None,
    center: bool = True,
    amin: float = 1e-10,
    top_db: float | None = None,
) -> np.ndarray:
    """Log mel spectrogram in dB, shape ``(n_mels, n_frames)``, float32.

    Equal (within 1e-3 dB) to ``librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr,
    n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax), amin=amin,
    top_db=top_db)``: periodic Hann window, zero padding when ``center``, slaney mel bands, power 2.
    Defaults: ``n_fft`` the power of two holding 25 ms (256 at 8 kHz, 512 at 16 kHz), ``hop_length``
    10 ms. With ``top_db`` the output is floored at ``max - top_db``.

    >>> S = cxaudio.log_mel(y, 16000, n_mels=64)      # (64, 1 + len(y) // 160)
    """
    y = valid_audio(y)
    sr = valid_sr(sr)
    n_fft, hop = default_n_fft(sr, n_fft), default_hop(sr, hop_length)
    n_mels = positive_int("n_mels", n_mels)
    fmin, hi = _check_band(sr, fmin, fmax)
    amin = positive_float("amin", amin)
    lo_b, hi_b, w = _sparse_bank(sr, n_fft, n_mels, fmin, hi)
    n_frames = frames_count(y.size, n_fft, hop, center)
    S = K.mel_power(_padded(y, n_fft, center), n_fft, hop, _hann(n_fft), n_frames, lo_b, hi_b, w)
    np.maximum(S, amin, out=S)
    np.log10(S, out=S)
    S *= 10.0
    if top_db is not None and S.size:
        top = positive_float("top_db", top_db, allow_zero=True)
        np.maximum(S, S.max() - top, out=S)
    return S


def spectral_slope(
    y: np.ndarray,
    sr: int,
    *,
    n_fft: int | None = None,
    hop_length: int | None = None,
    fmin: float = 0.0,
    fmax: float | None = None,
    center: bool = True,
    amin: float = 1e-10,
) -> np.ndarray:
    """Spectral slope per frame in dB per kHz: least-squares line through the power spectrum in
    dB over ``[fmin, fmax]`` (eGeMAPS uses 0-500 Hz and 500-1500 Hz). Negative for speech (energy
    falls with frequency); flatter for tense or loud voice. Shape ``(n_frames,)``.

    >>> slope = cxaudio.spectral_slope(y, 8000, fmin=500, fmax=1500)
    """
    y = valid_audio(y)
    sr = valid_sr(sr)
    n_fft, hop = default_n_fft(sr, n_fft), default_hop(sr, hop_length)
    fmin, hi = _check_band(sr, fmin, fmax)
    amin = positive_float("amin", amin)
    freqs = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
    lo_k = int(np.searchsorted(freqs, fmin, side="left"))
    hi_k = int(np.searchsorted(freqs, hi, side="right"))
    if hi_k - lo_k < 2:
        raise ParameterError(
            f"fmin={fmin}, fmax={fmax} hold {hi_k - lo_k} FFT bins at n_fft={n_fft}; need >= 2"
        )
    n_frames = frames_count(y.size, n_fft, hop, center)
    P = K.power_spectrogram(_padded(y, n_fft, center), n_fft, hop, _hann(n_fft), n_frames)
    return K.spectral_slope(P, freqs / 1000.0, lo_k, hi_k, amin)
