"""A small trained detector of overlapped speech for the mono pipeline.

The second Viterbi pass of :func:`cxaudio.diarization.pipeline._overlaps` finds most overlaps,
but where the interrupted voice goes on quietly under a louder one its per-frame evidence is too
weak, and the overlap comes out short or not at all. This model reads that evidence in context:
per speech frame, the pair-versus-speaker log-likelihood margin and the log energy smoothed over
several spans, how often the first pass switched speakers nearby, how much of the neighbourhood
the second pass gave to a pair, how far the frame is from a pause, and the pitch track: under
two voices it jumps between the two speakers' ranges.
A one-hidden-layer network (numpy, ``models/overlap/overlap.npz``) turns these into the
probability that two people speak at once. It is trained by ``models/overlap/train.py`` on
synthetic calls whose overlaps are known by construction (seeds kept apart from the ones the
benchmarks score).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cxvoc.modelfiles import ModelFileError, model_file

__all__ = ["FEATURE_NAMES", "OverlapModel", "load_overlap_model", "overlap_features", "smooth"]

_MARGIN_SPANS = (1, 9, 31, 101, 301)
_ENERGY_SPANS = (9, 31, 101)
_SWITCH_SPANS = (51, 151, 401)
_PAIR_SPANS = (31, 101)

FEATURE_NAMES: tuple[str, ...] = (
    *(f"margin_{w}" for w in _MARGIN_SPANS),
    "confidence_31",
    *(f"energy_{w}" for w in _ENERGY_SPANS),
    "energy_speaker_31",
    *(f"switches_{w}" for w in _SWITCH_SPANS),
    *(f"pair_{w}" for w in _PAIR_SPANS),
    "pause_before",
    "pause_after",
    "stretch",
    "pitch_separation",
    "pitch_other_31",
    "pitch_other_101",
    "pitch_switches_51",
    "periodicity_31",
)


def smooth(x: np.ndarray, w: int) -> np.ndarray:
    """Centred moving mean over ``w`` values (fewer at the ends)."""
    if w <= 1:
        return x.astype(np.float32)
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    n = len(x)
    i = np.arange(n)
    lo = np.maximum(i - w // 2, 0)
    hi = np.minimum(i + w // 2 + 1, n)
    return ((c[hi] - c[lo]) / (hi - lo)).astype(np.float32)


def overlap_features(
    loglik: np.ndarray,
    k: int,
    frames: np.ndarray,
    first: np.ndarray,
    states: np.ndarray,
    c0: np.ndarray,
    f0: np.ndarray,
    periodicity: np.ndarray,
) -> np.ndarray:
    """Features ``(speech frames, len(FEATURE_NAMES))`` of the overlap detector.

    ``loglik`` holds the second pass's scores per speech frame and state (``k`` speakers, then
    the pairs), ``first`` the first pass's speaker, ``states`` the second pass's path (before
    ``_tidy_overlaps``: the detector weighs the evidence, not the rules' reading of it); ``c0``
    is the log energy of each speech frame, ``f0`` its pitch in Hz (NaN where unvoiced) and
    ``periodicity`` YIN's ``1 - d'``.
    """
    n = len(frames)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)), np.float32)
    # the inputs of the smoothed columns, in float32 (long calls: a few arrays of every frame)
    single = np.sort(loglik[:, :k], axis=1)
    margin = (np.clip(loglik[:, k:].max(axis=1) - single[:, -1], -30.0, 30.0) / 10.0).astype(
        np.float32
    )
    confidence = (
        (np.clip(single[:, -1] - single[:, -2], 0.0, 60.0) / 20.0).astype(np.float32)
        if k > 1
        else margin * 0
    )
    del single
    e = c0.astype(np.float64)
    scale = float(np.std(e)) or 1.0
    energy = ((e - np.median(e)) / scale).astype(np.float32)
    speaker_mean = np.zeros(k)
    for i in range(k):
        own = first == i
        speaker_mean[i] = e[own].mean() if own.any() else np.median(e)
    energy_speaker = ((e - speaker_mean[np.clip(first, 0, k - 1)]) / scale).astype(np.float32)
    del e
    switch = np.concatenate([[0.0], (np.diff(first) != 0)]).astype(np.float32)
    in_pair = (states >= k).astype(np.float32)
    cols = [margin, confidence, energy, energy_speaker, switch, in_pair]
    spans = [_MARGIN_SPANS, (31,), _ENERGY_SPANS, (31,), _SWITCH_SPANS, _PAIR_SPANS]
    out = np.empty((n, len(FEATURE_NAMES)), np.float32)  # filled column by column: long calls
    j = 0
    for x, ws in zip(cols, spans, strict=True):
        for w in ws:
            out[:, j] = smooth(x, w) * (w / 10.0 if x is switch else 1.0)
            j += 1
    del cols, margin, confidence, energy, energy_speaker, switch, in_pair
    gap = np.diff(frames, prepend=frames[0] - 1) > 1  # a pause right before this frame
    idx = np.arange(n)
    last = np.maximum.accumulate(np.where(gap | (idx == 0), idx, 0))
    nxt = np.minimum.accumulate(np.where(np.concatenate([gap[1:], [True]]), idx, n)[::-1])[::-1]
    out[:, j] = np.log1p(idx - last) / 7.0  # pause before
    out[:, j + 1] = np.log1p(nxt - idx) / 7.0  # pause after
    out[:, j + 2] = np.log1p(nxt - last + 1) / 7.0  # stretch
    j += 3
    del idx, last, nxt
    for c in _pitch_columns(k, first, f0, periodicity):
        out[:, j] = c
        j += 1
    return out


def _pitch_columns(
    k: int, first: np.ndarray, f0: np.ndarray, periodicity: np.ndarray
) -> list[np.ndarray]:
    """Two voices at once show in the pitch track: it jumps between the two speakers' ranges
    (each speaker's median pitch over the frames the first pass gave it)."""
    voiced = np.isfinite(f0) & (f0 > 0)
    semitones = 12.0 * np.log2(np.where(voiced, f0, 100.0) / 100.0)
    median = np.full(k, np.nan)
    for i in range(k):
        own = voiced & (first == i)
        if own.sum() >= 20:
            median[i] = np.median(semitones[own])
    n = len(first)
    known = np.isfinite(median)
    if known.sum() < 2:
        zero = np.zeros(n, np.float32)
        return [zero, zero, zero, zero, smooth(periodicity, 31)]
    # the speaker whose range each voiced frame is nearest to, and how far apart the ranges are
    dist = np.abs(semitones[:, None] - np.where(known, median, 1e9)[None, :])
    nearest = np.argmin(dist, axis=1)
    apart = np.abs(median[:, None] - median[None, :])
    apart[~np.isfinite(apart) | np.eye(k, dtype=bool)] = np.inf
    nearest_other = apart.min(axis=1)
    nearest_other[~np.isfinite(nearest_other)] = 0.0
    separation = nearest_other[np.clip(first, 0, k - 1)] / 12.0
    other = (voiced & (nearest != first)).astype(np.float64)
    v = voiced.astype(np.float64)
    cols = [separation.astype(np.float32)]
    for w in (31, 101):
        cols.append(smooth(other, w) / np.maximum(smooth(v, w), 1.0 / w))
    cls = nearest[voiced]
    change = np.zeros(n)
    change[np.flatnonzero(voiced)[1:]] = np.diff(cls) != 0
    cols.append(smooth(change, 51) * 5.0)
    cols.append(smooth(periodicity, 31))
    return cols


@dataclass(frozen=True)
class OverlapModel:
    """Standardization, then ``tanh`` hidden layer, then a logistic output."""

    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    features: tuple[str, ...]

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Probability of overlapped speech for each row of features ``x``."""
        z = np.empty(len(x), np.float32)
        for a in range(0, len(x), 65536):  # in blocks: bounded memory on long calls
            h = np.tanh(((x[a : a + 65536] - self.mean) / self.std) @ self.w1 + self.b1)
            z[a : a + 65536] = h @ self.w2 + self.b2
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@lru_cache(maxsize=1)
def load_overlap_model() -> OverlapModel:
    """The committed model (``models/overlap``), checked against its manifest's sha256."""

    path = model_file("overlap").path
    with np.load(path) as z:
        names = tuple(str(s) for s in z["features"])
        if names != FEATURE_NAMES:
            raise ModelFileError(
                f"{path}: the model was trained on features {names}, this code computes "
                f"{FEATURE_NAMES}; retrain with models/overlap/train.py"
            )
        return OverlapModel(
            mean=z["mean"].astype(np.float32),
            std=z["std"].astype(np.float32),
            w1=z["w1"].astype(np.float32),
            b1=z["b1"].astype(np.float32),
            w2=z["w2"].astype(np.float32),
            b2=float(z["b2"]),
            features=names,
        )
