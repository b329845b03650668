"""The GE2E encoder's frontend: mel power spectrogram at 16 kHz, as Resemblyzer computes it.

Resemblyzer (``audio.wav_to_mel_spectrogram``) calls ``librosa.feature.melspectrogram`` with
``sr=16000, n_fft=400 (25 ms), hop_length=160 (10 ms), n_mels=40``: a centred STFT with a zero
padded periodic Hann window, power 2, Slaney mel filters with Slaney area normalisation.
The result is mel *power*, not its logarithm. This module reproduces it with numpy.
"""

from __future__ import annotations

from functools import cache

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 40
FRAME_S = HOP / SAMPLE_RATE  # 10 ms
TARGET_DBFS = -30.0  # Resemblyzer's volume normalisation target (increase only)

__all__ = ["FRAME_S", "HOP", "N_FFT", "N_MELS", "SAMPLE_RATE", "mel_filterbank", "mel_power"]


def _hz_to_mel(f: float | np.ndarray) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mel = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    log_t = f >= min_log_hz
    mel = np.where(log_t, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mel)
    return mel


def _mel_to_hz(m: float | np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


@cache
def mel_filterbank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Slaney-style mel filters, shape ``(n_mels, 1 + n_fft // 2)`` (equals librosa's default)."""
    fftfreqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sr / 2), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    weights = weights.astype(np.float32)
    weights.setflags(write=False)
    return weights


@cache
def _window() -> np.ndarray:
    n = np.arange(N_FFT)
    w = (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)  # periodic Hann
    w.setflags(write=False)
    return w


def mel_power(
    y: np.ndarray, *, left: np.ndarray | None = None, right: np.ndarray | None = None
) -> np.ndarray:
    """Mel power frames ``(n_frames, 40)`` of 16 kHz audio ``y``, ``n_frames = 1 + len(y) // 160``.

    Frame ``i`` is centred on sample ``i * 160``. ``left``/``right`` are the samples just before and
    after ``y`` (chunked processing); where absent the signal is zero padded as librosa does.
    """
    y = np.asarray(y, dtype=np.float32)
    half = N_FFT // 2
    lpad = np.zeros(half, np.float32) if left is None else _fit(left[-half:], half, at_end=True)
    rpad = np.zeros(half, np.float32) if right is None else _fit(right[:half], half, at_end=False)
    padded = np.concatenate([lpad, y, rpad])
    n_frames = 1 + len(y) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames]
    out = np.empty((n_frames, N_MELS), np.float32)
    fb = mel_filterbank()
    step = 4096
    for s in range(0, n_frames, step):
        spec = np.fft.rfft(frames[s : s + step] * _window(), axis=1)
        power = (spec.real**2 + spec.imag**2).astype(np.float32)
        out[s : s + step] = power @ fb.T
    return out


def _fit(x: np.ndarray, n: int, *, at_end: bool) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if len(x) >= n:
        return x
    pad = np.zeros(n - len(x), np.float32)
    return np.concatenate([pad, x]) if at_end else np.concatenate([x, pad])
