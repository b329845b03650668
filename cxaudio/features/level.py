"""Level features: frame RMS (linear and dBFS), zero-crossing rate, BS.1770 loudness (LUFS)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import ParameterError
from . import _kernels as K
from ._validate import (
    default_frame,
    default_hop,
    frames_count,
    positive_float,
    valid_audio,
    valid_sr,
)

__all__ = ["k_weighting", "loudness_lufs", "rms", "rms_db", "zero_crossing_rate"]


def rms(
    y: np.ndarray,
    sr: int,
    *,
    frame_length: int | None = None,
    hop_length: int | None = None,
    center: bool = True,
) -> np.ndarray:
    """Root mean square per frame, shape ``(n_frames,)``.

    Equal to ``librosa.feature.rms(y=y, frame_length=..., hop_length=..., center=center,
    pad_mode="constant")[0]``. Defaults: 25 ms frames, 10 ms hop.

    >>> level = cxaudio.rms(y, 8000)
    """
    y = valid_audio(y)
    sr = valid_sr(sr)
    frame, hop = default_frame(sr, frame_length), default_hop(sr, hop_length)
    n = frames_count(y.size, frame, hop, center)
    if center:
        pad = frame // 2
        y = np.concatenate([np.zeros(pad, np.float32), y, np.zeros(pad, np.float32)])
    return K.frame_rms(y, frame, hop, n)


def rms_db(
    y: np.ndarray,
    sr: int,
    *,
    frame_length: int | None = None,
    hop_length: int | None = None,
    center: bool = True,
    floor_db: float = -120.0,
) -> np.ndarray:
    """Frame level in dBFS: ``20 * log10(rms)`` (a full-scale square wave is 0 dBFS, a full-scale
    sine -3.01 dBFS), floored at ``floor_db``.

    >>> cxaudio.rms_db(y, 8000).max()
    -17.2
    """
    r = rms(y, sr, frame_length=frame_length, hop_length=hop_length, center=center)
    out = 20.0 * np.log10(np.maximum(r, 10.0 ** (floor_db / 20.0)))
    return out.astype(np.float32)


def zero_crossing_rate(
    y: np.ndarray,
    sr: int,
    *,
    frame_length: int | None = None,
    hop_length: int | None = None,
    center: bool = True,
) -> np.ndarray:
    """Zero crossings per sample in each frame, shape ``(n_frames,)``.

    Equal to ``librosa.feature.zero_crossing_rate(y, frame_length=..., hop_length=...,
    center=center)[0]`` (edge padding when ``center``; |x| <= 1e-10 counts as zero, zero as
    positive). Defaults: 25 ms frames, 10 ms hop.

    >>> zcr = cxaudio.zero_crossing_rate(y, 8000)
    """
    y = valid_audio(y)
    sr = valid_sr(sr)
    frame, hop = default_frame(sr, frame_length), default_hop(sr, hop_length)
    if center and y.size:
        y = np.pad(y, frame // 2, mode="edge")
    n = frames_count(y.size, frame, hop, False)
    return K.frame_zcr(y, frame, hop, n, 1e-10)


def k_weighting(sr: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """BS.1770 K-weighting as two biquads ``((b_shelf, a_shelf), (b_highpass, a_highpass))``.

    Designed for any rate from the analog prototype (libebur128's constants); at 48 kHz they equal
    the coefficients tabulated in ITU-R BS.1770-4.
    """
    sr = valid_sr(sr)
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sr)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b_shelf = np.array(
        [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    )
    a_shelf = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sr)
    a0 = 1.0 + k / q + k * k
    b_hp = np.array([1.0, -2.0, 1.0])
    a_hp = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return (b_shelf, a_shelf), (b_hp, a_hp)


_LUFS_CHUNK = 1 << 20  # samples K-weighted at a time: float64 temporaries stay ~25 MB


def _weighted_block_ms(
    ch: np.ndarray | Sequence[np.ndarray],
    block: int,
    step: int,
    shelf: tuple[np.ndarray, np.ndarray],
    highpass: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Mean square of the K-weighted ``ch`` over blocks ``[i*step, i*step + block)``, filtering
    in chunks (filter state carried over) so that an hour-long signal has no float64 copy.

    ``ch``: a 1-D signal, or the pieces of one in order (filtered as their concatenation)."""
    pieces = [ch] if isinstance(ch, np.ndarray) else list(ch)
    n = sum(int(x.shape[0]) for x in pieces)
    out = np.empty(0 if n < block else 1 + (n - block) // step, np.float64)
    z_shelf, z_hp = np.zeros(2), np.zeros(2)
    chunk = step * max(1, _LUFS_CHUNK // step)
    tail = np.empty(0, np.float64)  # weighted samples from block ``done`` on
    done = 0
    for piece in pieces:
        for a in range(0, piece.shape[0], chunk):
            w = K.biquad_state(piece[a : a + chunk], shelf[0], shelf[1], z_shelf)
            w = K.biquad_state(w, highpass[0], highpass[1], z_hp)
            buf = np.concatenate([tail, w])
            ms = K.block_mean_square(buf, block, step)
            out[done : done + ms.size] = ms
            done += ms.size
            tail = buf[ms.size * step :]
    return out


def _gated_lufs(z: np.ndarray | None) -> float:
    """BS.1770 gating of the block mean squares ``z`` (summed over channels)."""
    if z is None or z.size == 0:
        return float("-inf")
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(z)
    keep = block_lufs > -70.0
    if not keep.any():
        return float("-inf")
    relative = -0.691 + 10.0 * np.log10(z[keep].mean()) - 10.0
    keep &= block_lufs > relative
    return float(-0.691 + 10.0 * np.log10(z[keep].mean()))


def loudness_of_pieces(pieces: Sequence[np.ndarray], sr: int, *, block_s: float = 0.4) -> float:
    """:func:`loudness_lufs` of the concatenation of the mono float ``pieces`` (e.g. one party's
    turns), without building the concatenation (pieces are taken as finite, as decoded)."""
    sr = valid_sr(sr)
    block = max(1, int(round(positive_float("block_s", block_s) * sr)))
    step = max(1, int(round(block * 0.25)))
    (bs, as_), (bh, ah) = k_weighting(sr)
    return _gated_lufs(_weighted_block_ms(pieces, block, step, (bs, as_), (bh, ah)))


def loudness_lufs(y: np.ndarray, sr: int, *, block_s: float = 0.4, overlap: float = 0.75) -> float:
    """Integrated loudness (ITU-R BS.1770-4 / EBU R128) in LUFS of a mono ``(n,)`` or
    multichannel ``(channels, n)`` signal (channel weights 1, as for L/R/C).

    K-weighting, 400 ms blocks with 75 % overlap, absolute gate -70 LUFS, relative gate -10 LU.
    A full-scale 997 Hz sine in one channel reads -3.01 LUFS. Returns ``-inf`` when every block
    is gated out (silence) or the signal is shorter than one block.

    >>> cxaudio.loudness_lufs(y, 8000)
    -23.4
    """
    y = valid_audio(y, multichannel=True)
    sr = valid_sr(sr)
    block = max(1, int(round(positive_float("block_s", block_s) * sr)))
    if not 0.0 <= overlap < 1.0:
        raise ParameterError(f"overlap={overlap!r} must be in [0, 1)")
    step = max(1, int(round(block * (1.0 - overlap))))
    (bs, as_), (bh, ah) = k_weighting(sr)
    chans = y[None, :] if y.ndim == 1 else y
    z = None
    for ch in chans:
        ms = _weighted_block_ms(ch, block, step, (bs, as_), (bh, ah))
        z = ms if z is None else z + ms
    return _gated_lufs(z)
