"""Numba kernels of the diarization (each has a plain-numpy ``*_ref`` twin, tested to agree)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "block_energy_db",
    "block_energy_db_ref",
    "viterbi",
    "viterbi_ref",
]


@njit(cache=True, nogil=True)
def block_energy_db(y: np.ndarray, hop: int) -> np.ndarray:
    """Mean-square energy in dB of consecutive blocks of ``hop`` samples (the tail is dropped)."""
    n = y.shape[0] // hop
    out = np.empty(n, np.float32)
    for i in range(n):
        acc = 0.0
        base = i * hop
        for j in range(hop):
            v = y[base + j]
            acc += v * v
        out[i] = 10.0 * np.log10(acc / hop + 1e-10)
    return out


def block_energy_db_ref(y: np.ndarray, hop: int) -> np.ndarray:
    n = len(y) // hop
    blocks = np.asarray(y[: n * hop], np.float64).reshape(n, hop)
    return (10.0 * np.log10(np.mean(blocks**2, axis=1) + 1e-10)).astype(np.float32)


@njit(cache=True, nogil=True)
def viterbi(score: np.ndarray, switch_cost: np.ndarray) -> np.ndarray:
    """Best state path through ``score`` (T, K) where changing state at t costs ``switch_cost[t]``."""
    t_len, k = score.shape
    path = np.zeros(t_len, np.int64)
    if t_len == 0:
        return path
    back = np.empty((t_len, k), np.int32)
    acc = score[0].copy()
    new = np.empty(k, np.float64)
    for t in range(1, t_len):
        best = 0
        for s in range(1, k):
            if acc[s] > acc[best]:
                best = s
        for s in range(k):
            stay = acc[s]
            move = acc[best] - switch_cost[t]
            if stay >= move:
                new[s] = stay + score[t, s]
                back[t, s] = s
            else:
                new[s] = move + score[t, s]
                back[t, s] = best
        acc[:] = new
    last = 0
    for s in range(1, k):
        if acc[s] > acc[last]:
            last = s
    path[t_len - 1] = last
    for t in range(t_len - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def viterbi_ref(score: np.ndarray, switch_cost: np.ndarray) -> np.ndarray:
    t_len, k = score.shape
    path = np.zeros(t_len, np.int64)
    if t_len == 0:
        return path
    trans = -np.asarray(switch_cost, np.float64)[:, None, None] * (1 - np.eye(k))[None]
    acc = np.asarray(score[0], np.float64).copy()
    back = np.zeros((t_len, k), np.int64)
    for t in range(1, t_len):
        cand = acc[:, None] + trans[t]  # from s' (rows) to s (cols)
        back[t] = np.argmax(cand, axis=0)
        acc = cand[back[t], np.arange(k)] + score[t]
    path[-1] = int(np.argmax(acc))
    for t in range(t_len - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path
