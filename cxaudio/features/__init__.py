"""Audio features as numba kernels behind validated functions: framing, power spectrogram,
log-mel, spectral slope, RMS / dBFS / LUFS loudness, zero-crossing rate, pitch with voicing."""

from .level import k_weighting, loudness_lufs, rms, rms_db, zero_crossing_rate
from .pitch import pitch
from .spectral import frame, log_mel, mel_filterbank, power_spectrogram, spectral_slope

__all__ = [
    "frame",
    "k_weighting",
    "log_mel",
    "loudness_lufs",
    "mel_filterbank",
    "pitch",
    "power_spectrogram",
    "rms",
    "rms_db",
    "spectral_slope",
    "zero_crossing_rate",
]
