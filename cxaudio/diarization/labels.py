"""Speakers of the embedding windows, the speaker count, and a speaker label per 10 ms frame.

1. The windows are clustered (spectral, :func:`.cluster.cluster`) into ``k`` speakers: ``k`` is
   given, or two (a call), or, when the caller allows a range, the largest ``k`` in it whose every
   cluster is separated from the others by ``MonoParams.count_margin`` (mean over its windows of
   the cosine to its own centroid minus that to the nearest other centroid): a voice split in two
   gives two clusters barely apart.
2. Frame labels: each speaker gets a full-covariance Gaussian of the cepstra of the frames that
   only its windows cover; every speech frame is scored by these Gaussians and a Viterbi pass
   (``switch_cost`` nats to change speaker, ``gap_switch_cost`` across a pause) labels the
   frames. ``reseg_iterations`` times, the Gaussians are re-fitted to these labels and the frames
   labelled again (hard-EM resegmentation). Speaker changes land at frame resolution, finer than
   the windows. (Adding the windows' cosine to each centroid to the frame scores, and training
   the Gaussians on clearly-assigned windows only, did not lower DER on the real-voice tuning
   part: see the ablation in ``benchmarks/results/``.)
"""

from __future__ import annotations

import numpy as np

from ._kernels import viterbi
from .cluster import cluster
from .features import MonoFeatures
from .params import MonoParams

MAX_CLUSTER_WINDOWS = 1500  # spectral clustering on a sample of this many windows at most
DEFAULT_MAX_SPEAKERS = 8
_BLOCK = 200_000  # frames per block: bounded memory on long calls

__all__ = ["centroids", "cluster_windows", "label_frames", "separation", "speaker_count_range"]


def speaker_count_range(
    num_speakers: int | None, min_speakers: int | None, max_speakers: int | None
) -> tuple[int, int]:
    """The counts to consider: ``num_speakers``; else the caller's range; else a call's two."""
    if num_speakers is not None:
        return num_speakers, num_speakers
    if min_speakers is None and max_speakers is None:
        return 2, 2
    lo = 1 if min_speakers is None else min_speakers
    return lo, max(lo, DEFAULT_MAX_SPEAKERS if max_speakers is None else max_speakers)


def centroids(emb: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """L2-normalised mean embedding of each label ``(k, dim)``."""
    c = np.stack([emb[labels == j].sum(0) for j in range(k)])
    return c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)


def separation(emb: np.ndarray, labels: np.ndarray, k: int) -> float:
    """The smallest, over clusters, mean (cosine to own centroid - to the nearest other)."""
    if k < 2:
        return float("inf")
    sim = emb @ centroids(emb, labels, k).T
    own = sim[np.arange(len(emb)), labels]
    sim[np.arange(len(emb)), labels] = -np.inf
    margin = own - sim.max(axis=1)
    return float(min(margin[labels == j].mean() for j in range(k) if (labels == j).any()))


def cluster_windows(emb: np.ndarray, lo: int, hi: int, p: MonoParams) -> tuple[np.ndarray, int]:
    """Speaker label per window and the speaker count (see the module's docstring)."""
    n = len(emb)
    hi = min(hi, n)
    lo = min(lo, hi)
    if hi <= 1:
        return np.zeros(n, np.int64), 1
    pick = np.arange(n)
    if n > MAX_CLUSTER_WINDOWS:
        pick = np.sort(np.random.default_rng(0).choice(n, MAX_CLUSTER_WINDOWS, replace=False))
    x = emb[pick]
    best, best_k = np.zeros(len(x), np.int64), 1
    for k in range(lo, hi + 1):
        lab = np.zeros(len(x), np.int64) if k == 1 else cluster(x, num_speakers=k)
        k_eff = int(lab.max()) + 1
        if lo == hi or k_eff == 1 or separation(x, lab, k_eff) >= p.count_margin:
            best, best_k = lab, k_eff
    if len(pick) == n:
        return best, best_k
    return np.argmax(emb @ centroids(x, best, best_k).T, axis=1).astype(np.int64), best_k


def _spread(starts: np.ndarray, ends: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum over windows ``[starts, ends)`` of their ``values`` ``(w, c)`` at every frame."""
    acc = np.zeros((n + 1, values.shape[1]), np.float64)
    np.add.at(acc, starts, values)
    np.add.at(acc, ends, -values)
    return np.cumsum(acc, axis=0)[:n]


def _gaussian_scores(ceps: np.ndarray, frames: np.ndarray, lab: np.ndarray, k: int) -> np.ndarray:
    """Log-likelihood ``(len(frames), k)`` (up to a shared constant) of the speech frames'
    cepstra under each speaker's full-covariance Gaussian, fitted to the frames labelled with it
    (``lab`` per speech frame, -1: none); a speaker with too few frames scores -1e3."""
    d = ceps.shape[1]
    s0, s1, s2 = np.zeros(k), np.zeros((k, d)), np.zeros((k, d, d))
    for b0 in range(0, len(frames), _BLOCK):
        xb = ceps[frames[b0 : b0 + _BLOCK]].astype(np.float64)
        lb = lab[b0 : b0 + _BLOCK]
        for j in range(k):
            own = xb[lb == j]
            s0[j] += len(own)
            s1[j] += own.sum(0)
            s2[j] += own.T @ own
    out = np.full((len(frames), k), -1e3, np.float64)
    for j in range(k):
        if s0[j] < 2 * d:
            continue
        mu = s1[j] / s0[j]
        chol = np.linalg.cholesky(s2[j] / s0[j] - np.outer(mu, mu) + 1e-3 * np.eye(d))
        whiten = np.linalg.inv(chol).T.astype(np.float32)
        const = -np.log(np.diag(chol)).sum()
        for b0 in range(0, len(frames), _BLOCK):
            z = (ceps[frames[b0 : b0 + _BLOCK]].astype(np.float32) - mu.astype(np.float32)) @ whiten
            out[b0 : b0 + _BLOCK, j] = -0.5 * np.einsum("ij,ij->i", z, z) + const
    return out


def label_frames(feat: MonoFeatures, labels: np.ndarray, k: int, p: MonoParams) -> np.ndarray:
    """Speaker index per 10 ms frame (-1 where no speech), from window ``labels``."""
    speech = feat.speech
    n = len(speech)
    path = np.full(n, -1, np.int64)
    frames = np.flatnonzero(speech)
    if k == 1 or len(feat.windows) == 0:
        path[frames] = 0
        return path
    starts = feat.windows[:, 0]
    ends = np.minimum(starts + feat.windows[:, 1], n)
    # each speaker's Gaussian starts from the frames covered by its windows only
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), labels] = 1.0
    votes = _spread(starts, ends, onehot, n)[frames]
    lab = np.where((votes > 0).sum(axis=1) == 1, votes.argmax(axis=1), -1)
    gaps = np.diff(frames, prepend=frames[0]) > 1
    switch = np.where(gaps, p.gap_switch_cost, p.switch_cost).astype(np.float64)
    for _ in range(1 + p.reseg_iterations):
        lab = viterbi(_gaussian_scores(feat.cepstra, frames, lab, k), switch)
    path[frames] = lab
    return path
