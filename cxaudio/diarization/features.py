"""The front end of mono diarization: speech frames, embedding windows, GE2E embeddings, cepstra.

Two passes over the audio, so that a long call needs memory for one block only:

1. energies at the file's rate (or Silero VAD) -> speech mask (10 ms frames) -> embedding windows
   of 1.6 s every ``window_step_s`` inside each speech region (a region shorter than 1.6 s but
   at least ``min_window_s`` gets one window of its own length);
2. 16 kHz blocks -> mel frames -> GE2E embeddings of the windows (batched) and cepstral
   coefficients per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _frontend as fe
from ._audio import Source, rechunk
from ._kernels import block_energy_db
from .activity import ActivityParams, mask_to_runs, smooth_mask, speech_threshold
from .embedding import get_encoder
from .params import MonoParams

FRAME_S = 0.01
WINDOW_FRAMES = 160  # 1.6 s, as GE2E was trained
LENGTH_QUANTUM = 20  # short windows are cut to a multiple of this (fewer batch shapes)
N_CEPSTRA = 19
CHUNK_FRAMES = 6000  # 60 s of 16 kHz audio per mel/embedding chunk
Hook = Callable[..., Any]

__all__ = ["FRAME_S", "MonoFeatures", "energies", "extract", "report", "windows"]


@dataclass(frozen=True)
class MonoFeatures:
    """What the labelling step needs: ``speech`` mask ``(frames,)``, ``windows`` ``(k, 2)``
    (start frame, length), their L2-normalised ``embeddings`` ``(k, 256)`` and ``cepstra``
    ``(frames, N_CEPSTRA)`` float16."""

    speech: np.ndarray
    windows: np.ndarray
    embeddings: np.ndarray
    cepstra: np.ndarray
    duration_s: float


def report(hook: Hook | None, step: str, completed: int, total: int, artifact: Any = None) -> None:
    if hook is not None:
        hook(step, artifact, completed=completed, total=total)


def energies(src: Source, *, mono: bool, hook: Hook | None) -> tuple[np.ndarray, float]:
    """Energies in dB ``(channels, frames)`` at the source's rate, and the frame length in s."""
    hop = max(1, int(round(src.sr * FRAME_S)))
    parts: list[np.ndarray] = []
    carry: np.ndarray | None = None
    done = 0
    for block in src.blocks(mono=mono):
        b = block[None] if block.ndim == 1 else block
        if carry is not None:
            b = np.concatenate([carry, b], axis=1)
        n = (b.shape[1] // hop) * hop
        parts.append(np.stack([block_energy_db(np.ascontiguousarray(ch[:n]), hop) for ch in b]))
        carry = b[:, n:]
        done += block.shape[-1]
        report(hook, "energy", done, src.n)
    e = np.concatenate(parts, axis=1) if parts else np.zeros((1, 0), np.float32)
    return e, hop / src.sr


def windows(speech: np.ndarray, p: MonoParams) -> np.ndarray:
    """Embedding windows ``(k, 2)`` (start frame, length) inside the speech regions."""
    out = []
    wf = WINDOW_FRAMES
    step = max(1, round(p.window_step_s / FRAME_S))
    for s, e in mask_to_runs(speech):
        n = e - s
        if n < max(round(p.min_window_s / FRAME_S), LENGTH_QUANTUM):
            continue
        if n <= wf:
            length = n - n % LENGTH_QUANTUM if n < wf else wf
            out.append((s + (n - length) // 2, length))
            continue
        k = int(np.ceil((n - wf) / step)) + 1
        for st in np.linspace(s, e - wf, k).round().astype(int):
            out.append((int(st), wf))
    return np.array(out, np.int64).reshape(-1, 2)


def _speech_mask(
    src: Source, p: MonoParams, device: str, hook: Hook | None
) -> tuple[np.ndarray, float]:
    """Speech frames, and the mean speech level in dB (for the embedding's volume gain)."""
    if src.sr % 100 == 0:
        energy = energies(src, mono=True, hook=hook)[0][0]
    else:  # no 10 ms grid at the native rate: at 16 kHz
        energy = np.concatenate(
            [
                block_energy_db(b, 160)
                for b, _, _ in rechunk(src.blocks(sr=16000, mono=True), 960000, 0)
            ]
        )
    act = ActivityParams()
    raw = (
        energy > speech_threshold(energy, act) + p.energy_offset_db
        if p.vad == "energy"
        else _silero_mask(src, len(energy), device)
    )
    speech = smooth_mask(
        raw, min_gap=round(p.min_gap_s / FRAME_S), min_len=round(act.min_speech_s / FRAME_S)
    )
    if not speech.any():
        return speech, 0.0
    level = 10 * np.log10(np.mean(10 ** (energy[speech].astype(np.float64) / 10)) + 1e-12)
    return speech, float(level)


def _silero_mask(src: Source, n_frames: int, device: str) -> np.ndarray:
    """Speech frames from ``cxaudio.vad`` (Silero), block by block."""
    from ..vad import vad

    mask = np.zeros(n_frames, bool)
    offset = 0
    for block in src.blocks(mono=True):
        for seg in vad(block, src.sr, backend="silero", device=device, min_silence_s=0.1):
            a = int(round((offset + seg.start * src.sr) / src.sr / FRAME_S))
            b = int(round((offset + seg.end * src.sr) / src.sr / FRAME_S))
            mask[a:b] = True
        offset += len(block)
    return mask


def _dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    k = np.arange(n_out)[None, :]
    n = np.arange(n_in)[:, None]
    return (np.cos(np.pi / n_in * (n + 0.5) * k) * np.sqrt(2.0 / n_in)).astype(np.float32)


class _WindowEmbedder:
    """Collects window mel frames as the 16 kHz pass goes and embeds them in batches."""

    def __init__(self, windows: np.ndarray, encoder: Any, gain: float) -> None:
        self.windows = windows
        self.encoder = encoder
        self.power_gain = np.float32(gain**2)
        self.out = np.zeros((len(windows), 256), np.float32)
        self.next = 0
        self.pending: dict[int, list[tuple[int, np.ndarray]]] = {}
        self.n_pending = 0

    def feed(self, mel: np.ndarray, f0: int, final: bool) -> None:
        """``mel`` holds frames ``f0 .. f0 + len(mel)`` (including a look-back margin)."""
        f1 = f0 + len(mel)
        while self.next < len(self.windows):
            s, n = self.windows[self.next]
            if s + n > f1 and not final:
                break
            seg = mel[max(0, s - f0) : s + n - f0]
            if len(seg) < n:  # past the end of the signal
                seg = np.pad(seg, ((0, n - len(seg)), (0, 0)))
            self.pending.setdefault(int(n), []).append((self.next, seg * self.power_gain))
            self.n_pending += 1
            self.next += 1
        if self.n_pending >= 4 * self.encoder.batch_size or final:
            self.flush()

    def flush(self) -> None:
        for items in self.pending.values():
            idx = [i for i, _ in items]
            self.out[idx] = self.encoder.embed_mels(np.stack([m for _, m in items]))
        self.pending.clear()
        self.n_pending = 0


def extract(
    src: Source, p: MonoParams, *, device: str, threads: int, hook: Hook | None
) -> MonoFeatures:
    """Speech mask, windows, embeddings and cepstra of a mono source (two passes, bounded memory)."""
    speech, level_db = _speech_mask(src, p, device, hook)
    n_frames = len(speech)
    win = windows(speech, p)
    ceps = np.zeros((n_frames, N_CEPSTRA), np.float16)  # 38 bytes per 10 ms: long calls
    if not speech.any():
        return MonoFeatures(speech, win, np.zeros((0, 256), np.float32), ceps, src.duration_s)
    gain = 10 ** (max(0.0, fe.TARGET_DBFS - level_db) / 20)  # Resemblyzer: raise to -30 dBFS
    embedder = _WindowEmbedder(win, get_encoder(device=device, intra_op_num_threads=threads), gain)
    dct = _dct_matrix(fe.N_MELS, N_CEPSTRA + 1)[:, 1:]
    f0 = 0
    tail = np.zeros((0, fe.N_MELS), np.float32)
    for y, left, right in rechunk(
        src.blocks(sr=16000, mono=True), fe.HOP * CHUNK_FRAMES, fe.N_FFT // 2
    ):
        final = right is None
        nf = min(len(y) // fe.HOP + (1 if final else 0), n_frames - f0)
        if nf <= 0:
            break
        mel = fe.mel_power(y, left=left, right=right)[:nf]
        ceps[f0 : f0 + nf] = np.log(mel + 1e-9) @ dct
        embedder.feed(
            np.concatenate([tail, mel]), f0 - len(tail), final=final or f0 + nf >= n_frames
        )
        tail = mel[-WINDOW_FRAMES:]
        f0 += nf
        report(hook, "embeddings", f0, n_frames)
    embedder.feed(tail, f0 - len(tail), final=True)
    emb = embedder.out
    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    return MonoFeatures(speech, win, emb, ceps, src.duration_s)
