"""Numba kernel that hashes the n-gram features of a batch of texts (see :mod:`.features`).

Arrays and scalars in, arrays out. :func:`cxtext.sentiment.features.hash_ngrams_reference` is
the plain-Python reference that this kernel must agree with (tested).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_SPACE = np.uint32(32)
_MUL = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


@njit(cache=True, nogil=True)
def _mix(h: np.uint64) -> np.uint64:
    h = (h ^ (h >> _S30)) * _MIX1
    h = (h ^ (h >> _S27)) * _MIX2
    return h ^ (h >> _S31)


@njit(cache=True, nogil=True)
def _step(h: np.uint64, c: np.uint64) -> np.uint64:
    return (h ^ c) * _MUL


@njit(cache=True, nogil=True)
def _clean(codes, start, stop, classes, strip, buf_o, buf_s):
    """Fill buf_o (original) and buf_s (diacritics stripped) with the doc's cleaned codepoints.

    Runs of separators become one space, each symbol becomes its own space-delimited token,
    and both buffers start and end with a space. Returns the used length.
    """
    n_table = classes.shape[0]
    m = 0
    buf_o[m] = _SPACE
    buf_s[m] = _SPACE
    m += 1
    for i in range(start, stop):
        c = codes[i]
        cl = classes[c] if c < n_table else np.uint8(2)
        if cl == 0:
            if buf_o[m - 1] != _SPACE:
                buf_o[m] = _SPACE
                buf_s[m] = _SPACE
                m += 1
        elif cl == 1:
            buf_o[m] = c
            buf_s[m] = strip[c]
            m += 1
        else:
            if buf_o[m - 1] != _SPACE:
                buf_o[m] = _SPACE
                buf_s[m] = _SPACE
                m += 1
            buf_o[m] = c
            buf_s[m] = c
            buf_o[m + 1] = _SPACE
            buf_s[m + 1] = _SPACE
            m += 2
    if buf_o[m - 1] != _SPACE:
        buf_o[m] = _SPACE
        buf_s[m] = _SPACE
        m += 1
    return m


@njit(cache=True, nogil=True)
def _words(buf, m, seed, mask, out, k):
    """Hash the unigrams and bigrams of the space-delimited tokens in buf[:m] into out[k:]."""
    prev = np.uint64(0)
    have_prev = False
    i = 1
    while i < m:
        j = i
        h = seed
        while j < m and buf[j] != _SPACE:
            h = _step(h, np.uint64(buf[j]))
            j += 1
        if j > i:
            out[k] = np.int64(_mix(h) & mask)
            k += 1
            if have_prev:
                out[k] = np.int64(_mix(_step(prev, h)) & mask)
                k += 1
            prev = h
            have_prev = True
        i = j + 1
    return k


@njit(cache=True, nogil=True)
def _doc_hashes(codes, start, stop, classes, strip, mask, char_min, char_max, seeds, bufs, out):
    """Write the feature indices of one doc into ``out``; returns how many."""
    buf_o = bufs[0]
    buf_s = bufs[1]
    m = _clean(codes, start, stop, classes, strip, buf_o, buf_s)
    k = 0
    for i in range(m):
        h = seeds[0]
        for n in range(1, min(char_max, m - i) + 1):
            h = _step(h, np.uint64(buf_s[i + n - 1]))
            if n >= char_min and not (n == 1 and buf_s[i] == _SPACE):
                out[k] = np.int64(_mix(h) & mask)
                k += 1
    k_chars = k
    k = _words(buf_s, m, seeds[1], mask, out, k)
    k_stripped = k
    k = _words(buf_o, m, seeds[2], mask, out, k)
    return k_chars, k_stripped, k


@njit(cache=True, nogil=True)
def _scratch(codes, starts, char_min, char_max):
    longest = 0
    for d in range(starts.shape[0] - 1):
        longest = max(longest, starts[d + 1] - starts[d])
    width = 3 * longest + 2
    bufs = np.empty((2, width), dtype=np.uint32)
    out = np.empty(width * (char_max - char_min + 1 + 4), dtype=np.int64)
    return bufs, out


@njit(cache=True, nogil=True)
def hash_ngrams(codes, starts, classes, strip, n_buckets, char_min, char_max, seeds):
    """Hashed feature indices of each doc ``codes[starts[d]:starts[d+1]]``.

    Features: character ``char_min..char_max``-grams of the diacritics-stripped text (seed 0),
    word unigrams+bigrams of the stripped text (seed 1) and of the original text (seed 2).
    Returns ``(hashes, counts)``: the indices of all docs in order, and ``counts[d, b]`` how many
    doc ``d`` has in each block ``b`` (chars, stripped words, original words), blocks in order.
    """
    n_docs = starts.shape[0] - 1
    mask = np.uint64(n_buckets - 1)
    bufs, scratch = _scratch(codes, starts, char_min, char_max)
    total = 0
    for d in range(n_docs):
        total += (3 * (starts[d + 1] - starts[d]) + 2) * (char_max - char_min + 1 + 4)
    out = np.empty(total, dtype=np.int64)
    counts = np.zeros((n_docs, 3), dtype=np.int64)
    k = 0
    for d in range(n_docs):
        k1, k2, n = _doc_hashes(
            codes,
            starts[d],
            starts[d + 1],
            classes,
            strip,
            mask,
            char_min,
            char_max,
            seeds,
            bufs,
            scratch,
        )
        out[k : k + n] = scratch[:n]
        counts[d, 0] = k1
        counts[d, 1] = k2 - k1
        counts[d, 2] = n - k2
        k += n
    return out[:k], counts


@njit(cache=True, nogil=True)
def score_ngrams(
    codes, starts, classes, strip, char_min, char_max, seeds, weights, sq_scale, head_blocks
):
    """Linear scores of each doc over its *distinct* features, one normalization per head.

    ``scores[d, c] = sum_h weights[h, c] / sqrt(sum_h sq_scale[h, c])`` where ``h`` runs over the
    distinct feature indices of doc ``d`` that lie in a block head ``c`` sees (binary features,
    L2-normalized after a per-feature scale whose square is ``sq_scale``). A feature index seen
    twice in one doc counts once, in the first block it appears in (chars, stripped words,
    original words). ``weights`` and ``sq_scale`` are ``(n_buckets, n_heads)``; ``head_blocks``
    ``(n_heads, 3)`` is nonzero where head ``c`` sees block ``b``.
    Returns ``(n_docs, n_heads)`` float64 (no bias added).
    """
    n_docs = starts.shape[0] - 1
    n_heads = weights.shape[1]
    n_buckets = weights.shape[0]
    mask = np.uint64(n_buckets - 1)
    bufs, scratch = _scratch(codes, starts, char_min, char_max)
    seen = np.full(n_buckets, -1, dtype=np.int64)
    scores = np.zeros((n_docs, n_heads), dtype=np.float64)
    acc = np.zeros(n_heads, dtype=np.float64)
    norm = np.zeros(n_heads, dtype=np.float64)
    sees = head_blocks != 0
    for d in range(n_docs):
        k1, k2, n = _doc_hashes(
            codes,
            starts[d],
            starts[d + 1],
            classes,
            strip,
            mask,
            char_min,
            char_max,
            seeds,
            bufs,
            scratch,
        )
        acc[:] = 0.0
        norm[:] = 0.0
        for j in range(n):
            h = scratch[j]
            if seen[h] == d:
                continue
            seen[h] = d
            block = 0 if j < k1 else (1 if j < k2 else 2)
            for c in range(n_heads):
                if sees[c, block]:
                    acc[c] += weights[h, c]
                    norm[c] += sq_scale[h, c]
        for c in range(n_heads):
            if norm[c] > 0.0:
                scores[d, c] = acc[c] / np.sqrt(norm[c])
    return scores
