"""Clustering speaker embeddings: spectral (eigengap speaker count) and agglomerative.

:func:`cluster` takes L2-normalised embeddings ``(n, d)`` and returns integer labels ``(n,)``
numbered by first appearance. The speaker count is ``num_speakers`` when given, else estimated
within ``[min_speakers, max_speakers]``: by the largest eigengap of the normalised Laplacian of a
pruned cosine affinity (spectral), or by a cosine-distance threshold (agglomerative). Without
``num_speakers``, clusters whose centroids are closer than ``SAME_SPEAKER_SIMILARITY`` (cosine)
are merged, down to ``min_speakers``: this is how a single speaker is found.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError

METHODS = ("spectral", "agglomerative")
DEFAULT_MAX_SPEAKERS = 8
SAME_SPEAKER_SIMILARITY = 0.86  # centroid cosine above which two clusters are one speaker
AGGLOMERATIVE_THRESHOLD = 0.25  # cosine distance that stops merging (average linkage)

__all__ = ["METHODS", "check_speaker_counts", "cluster", "kmeans"]


def check_speaker_counts(
    num_speakers: int | None, min_speakers: int, max_speakers: int | None
) -> tuple[int, int]:
    """Validate the speaker-count options; returns the (min, max) range to search."""
    for name, value in (("num_speakers", num_speakers), ("max_speakers", max_speakers)):
        if value is not None and (not isinstance(value, int | np.integer) or value < 1):
            raise ParameterError(f"{name}={value!r} must be a positive integer or None")
    if not isinstance(min_speakers, int | np.integer) or min_speakers < 1:
        raise ParameterError(f"min_speakers={min_speakers!r} must be a positive integer")
    if max_speakers is not None and max_speakers < min_speakers:
        raise ParameterError(f"max_speakers={max_speakers} must be >= min_speakers={min_speakers}")
    if num_speakers is not None:
        return int(num_speakers), int(num_speakers)
    hi = DEFAULT_MAX_SPEAKERS if max_speakers is None else int(max_speakers)
    return int(min_speakers), max(int(min_speakers), hi)


def cluster(
    embeddings: np.ndarray,
    *,
    method: str = "spectral",
    num_speakers: int | None = None,
    min_speakers: int = 1,
    max_speakers: int | None = None,
    weights: np.ndarray | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Speaker labels ``(n,)`` (0, 1, … by first appearance) of embeddings ``(n, d)``.

    ``weights`` (e.g. seconds of speech per embedding) weigh the centroids of the single-speaker
    check. ``method`` is ``"spectral"`` or ``"agglomerative"``.
    """
    if method not in METHODS:
        raise ParameterError(f"method={method!r} is not supported; use one of {METHODS}")
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2:
        raise ParameterError(f"embeddings of shape {x.shape} must be 2-D (n, dim)")
    if not np.all(np.isfinite(x)):
        raise ParameterError("embeddings contain NaN or infinite values")
    lo, hi = check_speaker_counts(num_speakers, min_speakers, max_speakers)
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, np.int64)
    w = np.ones(n) if weights is None else np.asarray(weights, np.float64)
    if w.shape != (n,):
        raise ParameterError(f"weights of shape {w.shape} must be ({n},)")
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    hi = min(hi, n)
    lo = min(lo, hi)
    if hi == 1:
        return np.zeros(n, np.int64)
    labels = _spectral(x, lo, hi, seed) if method == "spectral" else _agglomerative(x, lo, hi)
    if num_speakers is None:
        labels = _merge_similar(x, labels, w, lo)
    return _relabel(labels)


def _relabel(labels: np.ndarray) -> np.ndarray:
    _, first = np.unique(labels, return_index=True)
    order = labels[np.sort(first)]
    mapping = {int(old): new for new, old in enumerate(order)}
    return np.array([mapping[int(v)] for v in labels], np.int64)


def _merge_similar(x: np.ndarray, labels: np.ndarray, w: np.ndarray, lo: int) -> np.ndarray:
    """Merge the closest pair of clusters while their centroids' cosine is above
    ``SAME_SPEAKER_SIMILARITY`` and more than ``lo`` clusters remain."""
    labels = labels.copy()
    while True:
        ks = np.unique(labels)
        if len(ks) <= lo:
            return labels
        cents = np.stack([(x[labels == k] * w[labels == k, None]).sum(0) for k in ks])
        cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
        sim = cents @ cents.T
        np.fill_diagonal(sim, -1.0)
        i, j = np.unravel_index(np.argmax(sim), sim.shape)
        if sim[i, j] <= SAME_SPEAKER_SIMILARITY:
            return labels
        labels[labels == ks[j]] = ks[i]


def _affinity(x: np.ndarray) -> np.ndarray:
    """Cosine affinity in [0, 1], each row pruned to its strongest neighbours, symmetrised."""
    n = x.shape[0]
    sim = np.clip(x @ x.T, 0.0, 1.0)
    keep = max(2, min(n, int(np.ceil(0.3 * n)), 50 if n > 200 else n))
    if keep < n:
        thresh = -np.partition(-sim, keep - 1, axis=1)[:, keep - 1 : keep]
        sim = np.where(sim >= thresh, sim, 0.0)
    return 0.5 * (sim + sim.T)


def _spectral(x: np.ndarray, lo: int, hi: int, seed: int) -> np.ndarray:
    a = _affinity(x)
    np.fill_diagonal(a, 0.0)
    d = a.sum(axis=1)
    dinv = 1.0 / np.sqrt(np.maximum(d, 1e-12))
    lap = np.eye(len(a)) - dinv[:, None] * a * dinv[None, :]
    evals, evecs = np.linalg.eigh(lap)
    if lo == hi:
        k = lo
    else:
        ev = np.concatenate([evals[: hi + 1], np.full(max(0, hi + 1 - len(evals)), evals[-1])])
        gaps = np.diff(ev)  # gaps[k - 1] = lambda_k - lambda_(k-1): the gap after k clusters
        cands = np.arange(max(lo, 2), hi + 1)
        k = int(cands[np.argmax(gaps[cands - 1])])
    if k == 1:
        return np.zeros(len(x), np.int64)
    emb = evecs[:, :k]
    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    return kmeans(emb, k, seed=seed)


def _agglomerative(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    z = linkage(x, method="average", metric="cosine")
    labels = fcluster(z, t=AGGLOMERATIVE_THRESHOLD, criterion="distance")
    k = len(np.unique(labels))
    if not lo <= k <= hi:
        labels = fcluster(z, t=min(max(k, lo), hi), criterion="maxclust")
    return labels.astype(np.int64)


def kmeans(
    x: np.ndarray, k: int, *, seed: int = 0, n_init: int = 5, n_iter: int = 50
) -> np.ndarray:
    """Seeded k-means++ (best of ``n_init`` by inertia); labels ``(n,)``."""
    rng = np.random.default_rng(seed)
    n = len(x)
    best_labels, best_inertia = np.zeros(n, np.int64), np.inf
    for _ in range(n_init):
        cents = [x[rng.integers(n)]]
        for _ in range(1, k):
            d2 = np.min(((x[:, None, :] - np.array(cents)[None]) ** 2).sum(-1), axis=1)
            p = d2 / d2.sum() if d2.sum() > 0 else np.full(n, 1.0 / n)
            cents.append(x[rng.choice(n, p=p)])
        c = np.array(cents)
        for _ in range(n_iter):
            d2 = ((x[:, None, :] - c[None]) ** 2).sum(-1)
            labels = np.argmin(d2, axis=1)
            new = np.array(
                [x[labels == j].mean(0) if np.any(labels == j) else c[j] for j in range(k)]
            )
            if np.allclose(new, c):
                break
            c = new
        inertia = float(((x - c[labels]) ** 2).sum())
        if inertia < best_inertia:
            best_labels, best_inertia = labels, inertia
    return best_labels
