"""Audio sources for the diarization: a file read in blocks, or an array, with the same interface."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from ..errors import ParameterError

BLOCK_S = 60.0

__all__ = ["Source", "as_mono_16k", "open_source", "rechunk"]


@dataclass(frozen=True)
class Source:
    """``channels`` x ``n`` samples at ``sr``; :meth:`blocks` reads them in order, once per call."""

    sr: int
    channels: int
    n: int
    path: str | None = None
    array: np.ndarray | None = None  # (channels, n) float32 when in memory

    @property
    def duration_s(self) -> float:
        return self.n / self.sr

    def blocks(
        self, *, sr: int | None = None, mono: bool = False, block_s: float | None = None
    ) -> Iterator[np.ndarray]:
        """Blocks ``(channels, m)`` (or ``(m,)`` with ``mono``) at ``sr`` (default: native)."""
        out_sr = sr or self.sr
        block_s = block_s or BLOCK_S
        if self.path is not None:
            from ..io import stream

            for y, _ in stream(self.path, block_s=block_s, sr=out_sr, mono=mono):
                yield y if mono or y.ndim == 2 else y[None]
            return
        assert self.array is not None
        step = max(1, int(block_s * self.sr))
        rs = (
            soxr.ResampleStream(
                self.sr, out_sr, 1 if mono else self.channels, dtype="float32", quality="HQ"
            )
            if out_sr != self.sr
            else None
        )
        for s in range(0, self.n, step):
            y = self.array[:, s : s + step]
            if mono:
                y = y.mean(axis=0, dtype=np.float32) if y.shape[0] > 1 else y[0]
            if rs is not None:
                last = s + step >= self.n
                y = rs.resample_chunk(y if mono else y.T, last=last)
                y = y if mono else y.T
            yield np.ascontiguousarray(y, dtype=np.float32)


def open_source(audio: str | os.PathLike[str] | np.ndarray, sr: int | None) -> Source:
    """A :class:`Source` over a path (``sr`` must be None or the file's rate) or an array."""
    if isinstance(audio, str | os.PathLike):
        from ..io import info

        meta = info(audio)
        if sr is not None and sr != meta.sr:
            raise ParameterError(
                f"sr={sr} does not match the file's {meta.sr} Hz ({audio}); pass sr=None for a path"
            )
        return Source(sr=meta.sr, channels=meta.channels, n=meta.frames, path=str(Path(audio)))
    y = np.asarray(audio)
    if sr is None:
        raise ParameterError("sr=None: give the sample rate of an array (e.g. sr=8000)")
    if not isinstance(sr, int | np.integer) or sr < 1000:
        raise ParameterError(f"sr={sr!r} must be an integer sample rate >= 1000 Hz")
    if y.ndim not in (1, 2) or y.size == 0:
        raise ParameterError(
            f"audio of shape {y.shape} must be (n,) or (channels, n) and non-empty"
        )
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"audio of dtype {y.dtype} must be floating point in [-1, 1]")
    y2 = np.ascontiguousarray(y[None] if y.ndim == 1 else y, dtype=np.float32)
    if y2.shape[0] > 8:
        raise ParameterError(
            f"audio of shape {y.shape} has {y2.shape[0]} channels; time must be the last axis"
        )
    if not np.all(np.isfinite(y2)):
        raise ParameterError("audio contains NaN or infinite values")
    return Source(sr=int(sr), channels=y2.shape[0], n=y2.shape[1], array=y2)


def rechunk(
    blocks: Iterator[np.ndarray], size: int, context: int
) -> Iterator[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Re-cut 1-D blocks into chunks of ``size`` samples (the last may be shorter) with the
    ``context`` samples before and after each chunk (None at the signal's edges)."""
    buf = np.zeros(0, np.float32)
    left: np.ndarray | None = None
    for b in blocks:
        buf = np.concatenate([buf, b])
        while len(buf) >= size + context:
            chunk = buf[:size]
            yield chunk, left, buf[size : size + context]
            left = chunk[-context:]
            buf = buf[size:]
    while len(buf) > size:
        chunk = buf[:size]
        yield chunk, left, buf[size : size + context]
        left = chunk[-context:]
        buf = buf[size:]
    if len(buf):
        yield buf, left, None


def as_mono_16k(audio: np.ndarray | object, sr: int) -> np.ndarray:
    """Mono float32 at 16 kHz from a 1-D array (or ``(channels, n)``, averaged)."""
    y = np.asarray(audio, dtype=np.float32)
    if y.ndim == 2:
        y = y.mean(axis=0)
    if y.ndim != 1:
        raise ParameterError(f"audio of shape {y.shape} must be (n,) or (channels, n)")
    if not isinstance(sr, int | np.integer) or sr < 1000:
        raise ParameterError(f"sr={sr!r} must be an integer sample rate >= 1000 Hz")
    if sr != 16000:
        y = soxr.resample(y, sr, 16000, quality="HQ").astype(np.float32)
    return y
