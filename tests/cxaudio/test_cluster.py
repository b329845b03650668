"""Clustering of speaker embeddings: spectral / agglomerative, speaker count, options."""

from __future__ import annotations

import numpy as np
import pytest

from cxaudio.diarization import cluster
from cxaudio.diarization.cluster import check_speaker_counts, kmeans
from cxaudio.errors import ParameterError


def blobs(k: int, n_per: int, *, spread: float = 0.4, dim: int = 64, seed: int = 0):
    """``k`` speakers as noisy directions on the unit sphere, GE2E-like: cosine about 0.86
    within a speaker, about 0.5 between speakers."""
    rng = np.random.default_rng(seed)
    common = np.abs(rng.standard_normal(dim))
    own = np.zeros((k, dim))
    for i, block in enumerate(np.array_split(rng.permutation(dim), max(k, 2))[:k]):
        own[i, block] = np.abs(rng.standard_normal(len(block)))
    own /= np.linalg.norm(own, axis=1, keepdims=True)
    centres = 0.75 * common / np.linalg.norm(common) + np.sqrt(1 - 0.75**2) * own  # cos 0.56
    labels = np.repeat(np.arange(k), n_per)
    rng.shuffle(labels)
    x = centres[labels] + spread * rng.standard_normal((len(labels), dim)) / np.sqrt(dim)
    return x / np.linalg.norm(x, axis=1, keepdims=True), labels


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("method", ["spectral", "agglomerative"])
@pytest.mark.parametrize("k", [2, 3, 4])
def test_recovers_speakers_and_count(method: str, k: int) -> None:
    x, truth = blobs(k, 30, seed=k)
    labels = cluster(x, method=method)
    assert len(np.unique(labels)) == k
    assert same_partition(labels, truth)


@pytest.mark.parametrize("method", ["spectral", "agglomerative"])
def test_single_speaker_is_found(method: str) -> None:
    x, _ = blobs(1, 60, seed=5)
    assert np.all(cluster(x, method=method) == 0)


@pytest.mark.parametrize("method", ["spectral", "agglomerative"])
def test_num_speakers_forces_the_count(method: str) -> None:
    x, _ = blobs(3, 20, seed=1)
    assert len(np.unique(cluster(x, method=method, num_speakers=2))) == 2
    x1, _ = blobs(1, 30, seed=2)
    assert len(np.unique(cluster(x1, method=method, num_speakers=2))) == 2


def test_min_and_max_speakers_bound_the_estimate() -> None:
    x, _ = blobs(4, 20, seed=3)
    assert len(np.unique(cluster(x, max_speakers=2))) == 2
    x1, _ = blobs(1, 40, seed=4)
    assert len(np.unique(cluster(x1, min_speakers=2))) == 2


def test_labels_numbered_by_first_appearance() -> None:
    x, _ = blobs(3, 10, seed=6)
    labels = cluster(x)
    first = [labels[np.argmax(labels == v)] for v in range(3)]
    assert labels[0] == 0
    assert list(dict.fromkeys(labels.tolist())) == sorted(first)


def test_deterministic() -> None:
    x, _ = blobs(3, 25, seed=8)
    np.testing.assert_array_equal(cluster(x, seed=1), cluster(x, seed=1))


def test_tiny_inputs() -> None:
    assert cluster(np.zeros((0, 8))).shape == (0,)
    assert cluster(np.ones((1, 8))).tolist() == [0]


def test_kmeans_separates_points() -> None:
    x = np.concatenate([np.zeros((10, 2)), np.ones((10, 2)) * 5])
    labels = kmeans(x, 2, seed=0)
    assert len(set(labels[:10])) == 1 and len(set(labels[10:])) == 1 and labels[0] != labels[10]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"method": "kmeans"}, "method='kmeans'"),
        ({"num_speakers": 0}, "num_speakers=0"),
        ({"min_speakers": 0}, "min_speakers=0"),
        ({"min_speakers": 3, "max_speakers": 2}, "max_speakers=2 must be >= min_speakers=3"),
        ({"weights": np.ones(3)}, r"weights of shape \(3,\)"),
    ],
)
def test_bad_options(kwargs: dict, match: str) -> None:
    x, _ = blobs(2, 5)
    with pytest.raises(ParameterError, match=match):
        cluster(x, **kwargs)


def test_bad_embeddings() -> None:
    with pytest.raises(ParameterError, match="2-D"):
        cluster(np.zeros(5))
    with pytest.raises(ParameterError, match="NaN"):
        cluster(np.full((3, 4), np.nan))


def test_check_speaker_counts_range() -> None:
    assert check_speaker_counts(3, 1, None) == (3, 3)
    assert check_speaker_counts(None, 2, 5) == (2, 5)
