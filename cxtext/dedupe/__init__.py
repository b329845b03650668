"""Near-duplicate detection for millions of short texts: MinHash over shingles, LSH banding.

Each text is normalized (:func:`cxtext.normalize`; punctuation, emoji, URL and mention tokens
dropped; diacritics stripped, so a repost typed without accents or with extra emoji or a link
still matches), cut into byte ``shingle``-grams and
summarized by ``bands * rows`` MinHash values. Items that agree on every value of at least one
band are candidates; a candidate whose share of equal MinHash values (an estimate of the Jaccard
similarity of the shingle sets) is ``>= threshold`` is a near-duplicate. The index keeps, per
band value, the first item that had it, so each new text is compared with at most ``bands``
earlier ones: time is linear in the number of texts and memory is about ``4 * bands * rows``
bytes of signature plus 12-24 bytes of hash table per band, per text (≈ 0.8 KB with the
defaults; 1,000,000 texts take ~48 s and ~1.2 GB on one core, see benchmarks/bench_dedupe.py).

With the defaults (20 bands of 5 rows) a pair with Jaccard similarity 0.7 becomes a candidate
with probability 1 - (1 - 0.7**5)**20 ≈ 0.97 (0.8: 0.9997; 0.5: 0.47). The default threshold
0.7 is what one edited word in a ten-word post still reaches (5-byte shingles); at 0.8 such
edits in short posts are missed (see ``benchmarks/bench_dedupe.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType

import numpy as np

from ..errors import TextInputError
from ..normalize import Normalizer, strip_diacritics

__all__ = ["NearDuplicateIndex", "find_near_duplicates"]

log = logging.getLogger(__name__)

ProgressHook = Callable[[int, int], None]
_NOISE = ("emo_", "tok_")


class NearDuplicateIndex:
    """A growing index of texts that answers "is this a near-duplicate of one seen before?".

    ``add(key, text)`` returns the key of the most similar earlier text at or above
    ``threshold`` (or None) and then adds the text. ``add_many`` does the same for a batch,
    much faster. Parameters: ``threshold`` in (0, 1]; ``bands`` x ``rows`` MinHash values;
    ``shingle`` bytes per shingle (1-8); ``seed`` for the hash family; ``capacity`` the number
    of texts to reserve room for (the index grows past it).
    """

    def __init__(
        self,
        threshold: float = 0.7,
        *,
        bands: int = 20,
        rows: int = 5,
        shingle: int = 5,
        seed: int = 1,
        capacity: int = 1 << 16,
        normalizer: Normalizer | None = None,
    ) -> None:
        if not isinstance(threshold, float | int) or not 0.0 < threshold <= 1.0:
            raise TextInputError(f"threshold={threshold!r} must be a number in (0, 1]")
        for name, value, low, high in (
            ("bands", bands, 1, 512),
            ("rows", rows, 1, 64),
            ("shingle", shingle, 1, 8),
            ("capacity", capacity, 1, 1 << 31),
        ):
            if not isinstance(value, int) or not low <= value <= high:
                raise TextInputError(f"{name}={value!r} must be an integer in [{low}, {high}]")
        self.threshold = float(threshold)
        self.bands = bands
        self.rows = rows
        self.shingle = shingle
        self.seed = seed
        self._normalizer = normalizer or Normalizer()
        self._fold: dict[str, str] = {}
        rng = np.random.default_rng(seed)
        perms = bands * rows
        self._a = rng.integers(1, 2**63, size=perms, dtype=np.uint64) | np.uint64(1)
        self._b = rng.integers(0, 2**63, size=perms, dtype=np.uint64)
        self._sigs = np.zeros((capacity, perms), dtype=np.uint32)
        self._table_keys = np.zeros(_pow2(int(capacity * bands / 0.65)), dtype=np.uint64)
        self._table_vals = np.zeros(self._table_keys.shape[0], dtype=np.int32)
        self._entries = 0
        self._keys: list[str] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def fingerprint(self, text: str) -> str:
        """The form of ``text`` that is shingled: normalized, without punctuation, emoji, URL
        and mention tokens (unless nothing else is left), diacritics stripped."""
        fold = self._fold
        pieces = self._normalizer.pieces(text)
        kept = [f for f in [fold.get(p) or self._fold_new(p) for p in pieces] if f != " "]
        if kept or not pieces:
            return " ".join(kept)
        return strip_diacritics(" ".join(self._normalizer.tokens(text)))

    def _fold_new(self, piece: str) -> str:
        """Diacritics-free normalized form of a raw token, or " " for noise (punctuation, emoji)."""
        if len(self._fold) >= 1 << 18:
            self._fold.clear()
        token = self._normalizer.token(piece)
        noise = not token[0].isalnum() or token.startswith(_NOISE)
        folded = self._fold[piece] = " " if noise else strip_diacritics(token)
        return folded

    def add(self, key: str, text: str) -> str | None:
        """Key of the earlier near-duplicate of ``text`` (None if none); then index ``text``."""
        (match,) = self.add_many([key], [text])
        return match

    def add_many(
        self,
        keys: Sequence[str],
        texts: Sequence[str],
        *,
        chunk_size: int = 50_000,
        hook: ProgressHook | None = None,
    ) -> list[str | None]:
        """``add`` for many texts in order (a text can match one earlier in the same batch)."""
        if len(keys) != len(texts):
            raise TextInputError(f"{len(keys)} keys for {len(texts)} texts; give one key per text")
        found = self._add_ids(texts, keys=keys, chunk_size=chunk_size, hook=hook)
        return [None if m < 0 else self._keys[m] for m in found]

    def _add_ids(
        self,
        texts: Sequence[str],
        *,
        keys: Sequence[str] | None,
        chunk_size: int,
        hook: ProgressHook | None,
    ) -> np.ndarray:
        out = np.empty(len(texts), dtype=np.int64)
        for start in range(0, len(texts), chunk_size):
            chunk = texts[start : start + chunk_size]
            sigs = self.signatures(chunk)
            out[start : start + len(chunk)] = self._insert(sigs)
            if keys is not None:
                self._keys.extend(str(k) for k in keys[start : start + len(chunk)])
            if hook is not None:
                hook(start + len(chunk), len(texts))
        return out

    def signatures(self, texts: Iterable[str]) -> np.ndarray:
        """``uint32[n, bands * rows]`` MinHash signatures of ``texts`` (no indexing)."""
        parts = [self.fingerprint(t).encode("utf-8") for t in texts]
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        buf = np.frombuffer(b"".join(parts), dtype=np.uint8)
        return _numba_kernels().minhash_signatures(buf, offsets, self._a, self._b, self.shingle)

    def _insert(self, sigs: np.ndarray) -> np.ndarray:
        n = sigs.shape[0]
        first = self._count
        if first + n > self._sigs.shape[0]:
            grown = np.zeros((max(first + n, 2 * self._sigs.shape[0]), sigs.shape[1]), np.uint32)
            grown[:first] = self._sigs[:first]
            self._sigs = grown
        self._sigs[first : first + n] = sigs
        needed = self._entries + n * self.bands
        if needed > 0.7 * self._table_keys.shape[0]:
            capacity = _pow2(int(needed / 0.5))
            log.debug("growing the LSH table to %d slots", capacity)
            self._table_keys, self._table_vals = _numba_kernels().rehash(
                self._table_keys, self._table_vals, capacity
            )
        band_keys = _numba_kernels().band_keys(sigs, self.bands, self.rows)
        matches, inserted = _numba_kernels().lsh_insert(
            sigs, band_keys, first, self._sigs, self._table_keys, self._table_vals, self.threshold
        )
        self._entries += inserted
        self._count += n
        return matches


def find_near_duplicates(
    texts: Sequence[str],
    *,
    threshold: float = 0.7,
    hook: ProgressHook | None = None,
    bands: int = 20,
    rows: int = 5,
    shingle: int = 5,
    seed: int = 1,
) -> list[int | None]:
    """For each text, the index of an earlier near-duplicate in ``texts`` (None if none).

    ``bands``, ``rows``, ``shingle`` and ``seed`` are those of :class:`NearDuplicateIndex`.
    ``hook(done, total)`` is called after each chunk.
    """
    index = NearDuplicateIndex(
        threshold, bands=bands, rows=rows, shingle=shingle, seed=seed, capacity=max(1, len(texts))
    )
    found = index._add_ids(texts, keys=None, chunk_size=50_000, hook=hook)
    return [None if m < 0 else int(m) for m in found]


def _numba_kernels() -> ModuleType:
    """The numba kernels, imported on first use (numba takes ~0.5 s to import)."""
    from . import _kernels as kernels

    return kernels


def _pow2(n: int) -> int:
    return 1 << max(10, int(n - 1).bit_length())
