"""Plain-numpy references of the kernels in ``_kernels.py`` (slow; for agreement tests)."""

from __future__ import annotations

import numpy as np

__all__ = ["band_keys_ref", "lsh_insert_ref", "minhash_signatures_ref"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray | np.uint64) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def minhash_signatures_ref(
    buf: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray, k: int
) -> np.ndarray:
    n = len(offsets) - 1
    out = np.empty((n, len(a)), dtype=np.uint32)
    for i in range(n):
        text = buf[offsets[i] : offsets[i + 1]].astype(np.uint64)
        if len(text) == 0:
            out[i] = np.uint32(0xFFFFFFFF)
            continue
        width = min(len(text), k)
        windows = np.lib.stride_tricks.sliding_window_view(text, width)
        packed = np.zeros(len(windows), dtype=np.uint64)
        for col in range(width):
            packed = (packed << np.uint64(8)) | windows[:, col]
        h = _mix(packed ^ (np.uint64(width) << np.uint64(56)))
        with np.errstate(over="ignore"):
            values = (a[:, None] * h[None, :] + b[:, None]) >> np.uint64(32)
        out[i] = values.min(axis=1).astype(np.uint32)
    return out


def band_keys_ref(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    out = np.empty((sigs.shape[0], bands), dtype=np.uint64)
    for bnd in range(bands):
        h = np.full(sigs.shape[0], _mix(np.uint64(bnd + 1)), dtype=np.uint64)
        for r in range(rows):
            h = _mix(h ^ sigs[:, bnd * rows + r].astype(np.uint64))
        out[:, bnd] = np.where(h == 0, np.uint64(1), h)
    return out


def lsh_insert_ref(sigs: np.ndarray, keys: np.ndarray, threshold: float) -> np.ndarray:
    """Matches of a fresh index fed ``sigs`` in order (a dict stands in for the hash table)."""
    table: dict[tuple[int, int], int] = {}
    matches = np.full(len(sigs), -1, dtype=np.int64)
    for i in range(len(sigs)):
        candidates = []
        for bnd in range(keys.shape[1]):
            slot = (bnd, int(keys[i, bnd]))
            if slot in table:
                candidates.append(table[slot])
            else:
                table[slot] = i
        best, best_sim = -1, -1.0
        for cand in dict.fromkeys(candidates):
            sim = float(np.mean(sigs[cand] == sigs[i]))
            if sim >= threshold and (sim > best_sim or (sim == best_sim and cand < best)):
                best, best_sim = cand, sim
        matches[i] = best
    return matches
