"""Numba kernels of near-duplicate detection: MinHash signatures and LSH band lookup.

Each kernel has a plain-numpy twin in ``_reference.py`` and a test that they agree.
Hashes are 64-bit unsigned arithmetic that wraps; every constant is a ``np.uint64`` so numba
never promotes to float.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["band_keys", "lsh_insert", "minhash_signatures", "rehash"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_S8 = np.uint64(8)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_U32_MAX = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True)
def _mix(x: np.uint64) -> np.uint64:  # splitmix64 finalizer
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True)
def minhash_signatures(
    buf: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray, k: int
) -> np.ndarray:
    """MinHash of the byte ``k``-shingles (k <= 8) of each text ``buf[offsets[i]:offsets[i+1]]``.

    Returns ``uint32[n, len(a)]``: for permutation p, the least ``(a[p] * h + b[p]) >> 32`` over
    the shingle hashes h. A text shorter than ``k`` is one shingle; an empty one is all-max.
    """
    n = offsets.shape[0] - 1
    p = a.shape[0]
    out = np.empty((n, p), dtype=np.uint32)
    mins = np.empty(p, dtype=np.uint64)
    mask = (_ONE << np.uint64(8 * k)) - _ONE if k < 8 else ~_ZERO
    for i in range(n):
        start = offsets[i]
        end = offsets[i + 1]
        for j in range(p):
            mins[j] = _U32_MAX
        length = end - start
        if length > 0:
            packed = _ZERO
            first = k - 1 if length >= k else length - 1
            for t in range(start, end):
                packed = ((packed << _S8) | np.uint64(buf[t])) & mask
                if t - start >= first:
                    h = _mix(packed ^ (np.uint64(min(length, k)) << np.uint64(56)))
                    for j in range(p):
                        v = (a[j] * h + b[j]) >> _S32
                        if v < mins[j]:
                            mins[j] = v
        for j in range(p):
            out[i, j] = np.uint32(mins[j])
    return out


@njit(cache=True, nogil=True)
def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``uint64[n, bands]``: a never-zero hash of each band (``rows`` values) of each signature."""
    n = sigs.shape[0]
    out = np.empty((n, bands), dtype=np.uint64)
    for i in range(n):
        for bnd in range(bands):
            h = _mix(np.uint64(bnd + 1))
            for r in range(rows):
                h = _mix(h ^ np.uint64(sigs[i, bnd * rows + r]))
            out[i, bnd] = h if h != _ZERO else _ONE
    return out


@njit(cache=True, nogil=True)
def lsh_insert(
    sigs: np.ndarray,
    keys: np.ndarray,
    first_id: int,
    all_sigs: np.ndarray,
    table_keys: np.ndarray,
    table_vals: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, int]:
    """Match each new item against earlier ones through its band keys, then insert it.

    Item ``i`` has id ``first_id + i``; ``all_sigs[id]`` already holds its signature. For each
    band key found in the open-addressing table (``table_keys`` 0 = empty, capacity a power of
    two) the stored item is a candidate; the candidate with the highest share of equal MinHash
    values, if that share is ``>= threshold``, is the match (-1 if none). Band keys not yet in the
    table are inserted with the new id, so later items can find this one. Returns the matches
    and the number of entries inserted.
    """
    n = sigs.shape[0]
    nb = keys.shape[1]
    p = sigs.shape[1]
    cap_mask = np.uint64(table_keys.shape[0] - 1)
    matches = np.full(n, -1, dtype=np.int64)
    inserted = 0
    seen = np.empty(nb, dtype=np.int64)
    for i in range(n):
        best = -1
        best_sim = -1.0
        n_seen = 0
        for bnd in range(nb):
            key = keys[i, bnd]
            slot = key & cap_mask
            while True:
                stored = table_keys[slot]
                if stored == _ZERO:
                    table_keys[slot] = key
                    table_vals[slot] = first_id + i
                    inserted += 1
                    break
                if stored == key:
                    cand = table_vals[slot]
                    if cand != first_id + i:
                        dup = False
                        for s in range(n_seen):
                            if seen[s] == cand:
                                dup = True
                                break
                        if not dup:
                            seen[n_seen] = cand
                            n_seen += 1
                            equal = 0
                            for j in range(p):
                                if all_sigs[cand, j] == sigs[i, j]:
                                    equal += 1
                            sim = equal / p
                            if sim >= threshold and (
                                sim > best_sim or (sim == best_sim and cand < best)
                            ):
                                best = cand
                                best_sim = sim
                    break
                slot = (slot + _ONE) & cap_mask
        matches[i] = best
    return matches, inserted


@njit(cache=True, nogil=True)
def rehash(
    old_keys: np.ndarray, old_vals: np.ndarray, capacity: int
) -> tuple[np.ndarray, np.ndarray]:
    """The same entries in a table of ``capacity`` slots (a power of two)."""
    keys = np.zeros(capacity, dtype=np.uint64)
    vals = np.zeros(capacity, dtype=np.int32)
    cap_mask = np.uint64(capacity - 1)
    for s in range(old_keys.shape[0]):
        key = old_keys[s]
        if key != _ZERO:
            slot = key & cap_mask
            while keys[slot] != _ZERO:
                slot = (slot + _ONE) & cap_mask
            keys[slot] = key
            vals[slot] = old_vals[s]
    return keys, vals
