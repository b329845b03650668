"""Hashed n-gram features of Vietnamese text, the input of the sentiment model.

A text is cleaned (runs of whitespace/punctuation become one space, every other non-alphanumeric
character such as an emoji becomes a token of its own) and hashed into ``n_buckets`` indices:

- character n-grams of the text with its diacritics stripped (``đ`` → ``d``, ``ệ`` → ``e``),
- word unigrams and bigrams of the stripped text,
- word unigrams and bigrams of the original text.

The stripped features make the model work on text typed without diacritics; the original ones
keep what diacritics add. Hashing needs no vocabulary and runs in a numba kernel over the whole
batch (:func:`cxtext.sentiment._kernels.hash_ngrams`), with a plain-Python reference here.
The text must already be normalized (lower case, NFC) by the caller.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache

import numpy as np

__all__ = [
    "HashingConfig",
    "char_tables",
    "hash_ngrams_reference",
    "hash_texts",
    "score_texts",
]

_TABLE_SIZE = 0x3000  # Latin, Vietnamese, punctuation blocks; codepoints above are symbols
_MUL = 0x100000001B3
_M64 = (1 << 64) - 1


@dataclass(frozen=True)
class HashingConfig:
    """How texts are hashed; stored with the model so inference hashes like training did."""

    n_buckets: int = 1 << 20
    char_min: int = 1
    char_max: int = 5
    seeds: tuple[int, int, int] = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)

    def serialize(self) -> dict[str, object]:
        return asdict(self)


@cache
def char_tables() -> tuple[np.ndarray, np.ndarray]:
    """``(classes, strip)`` lookup tables for codepoints below ``_TABLE_SIZE``.

    ``classes``: 0 separator (whitespace, punctuation), 1 word character (letters, digits,
    ``_``), 2 symbol token.
    ``strip``: the codepoint with its diacritics removed (``đ`` → ``d``).
    """
    classes = np.zeros(_TABLE_SIZE, dtype=np.uint8)
    strip = np.arange(_TABLE_SIZE, dtype=np.uint32)
    for cp in range(_TABLE_SIZE):
        ch = chr(cp)
        category = unicodedata.category(ch)
        if ch.isalnum() or ch == "_":  # "_" keeps normalize's tokens (emo_angry) whole
            classes[cp] = 1
            base = unicodedata.normalize("NFD", ch)[0]
            strip[cp] = ord({"đ": "d", "Đ": "D"}.get(ch, base))
        elif category[0] in "ZPC" or category == "Sk":
            classes[cp] = 0
        else:
            classes[cp] = 2
    return classes, strip


def _encode(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    return codes, starts


def hash_texts(
    texts: Sequence[str], config: HashingConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(hashes, doc_ids, blocks)``: the feature indices of every text, the text each belongs
    to, and its block (0 character n-grams, 1 stripped words, 2 original words)."""
    from ._kernels import hash_ngrams

    classes, strip = char_tables()
    codes, starts = _encode(texts)
    seeds = np.array(config.seeds, dtype=np.uint64)
    hashes, counts = hash_ngrams(
        codes, starts, classes, strip, config.n_buckets, config.char_min, config.char_max, seeds
    )
    doc_ids = np.repeat(np.arange(len(texts), dtype=np.int64), counts.sum(axis=1))
    blocks = np.repeat(np.tile(np.arange(3, dtype=np.int8), len(texts)), counts.ravel())
    return hashes, doc_ids, blocks


def score_texts(
    texts: Sequence[str],
    config: HashingConfig,
    weights: np.ndarray,
    sq_scale: np.ndarray,
    head_blocks: np.ndarray | None = None,
) -> np.ndarray:
    """``(len(texts), n_heads)`` linear scores without bias: the fused hash-and-dot kernel.

    Each head sees the text's distinct features of the blocks ``head_blocks[c]`` marks (default:
    all three), each scaled and L2-normalized per head (see
    :func:`cxtext.sentiment._kernels.score_ngrams`)."""
    from ._kernels import score_ngrams

    if head_blocks is None:
        head_blocks = np.ones((weights.shape[1], 3), dtype=np.uint8)
    classes, strip = char_tables()
    codes, starts = _encode(texts)
    seeds = np.array(config.seeds, dtype=np.uint64)
    return score_ngrams(
        codes,
        starts,
        classes,
        strip,
        config.char_min,
        config.char_max,
        seeds,
        weights,
        sq_scale,
        np.ascontiguousarray(head_blocks, dtype=np.uint8),
    )


def _mix(h: int) -> int:
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _M64
    return h ^ (h >> 31)


def _fold(seed: int, items: Sequence[int]) -> int:
    h = seed
    for c in items:
        h = ((h ^ c) * _MUL) & _M64
    return h


def hash_ngrams_reference(text: str, config: HashingConfig) -> list[int]:
    """Plain-Python reference of the kernel for one text (slow; used by the agreement test)."""
    classes, strip = char_tables()
    orig: list[int] = [32]
    for ch in text:
        cp = ord(ch)
        cl = int(classes[cp]) if cp < _TABLE_SIZE else 2
        if cl == 0:
            if orig[-1] != 32:
                orig.append(32)
        elif cl == 1:
            orig.append(cp)
        else:
            if orig[-1] != 32:
                orig.append(32)
            orig += [cp, 32]
    if orig[-1] != 32:
        orig.append(32)
    stripped = [int(strip[c]) if c < _TABLE_SIZE and classes[c] == 1 else c for c in orig]
    mask = config.n_buckets - 1
    out: list[int] = []
    for i in range(len(stripped)):
        for n in range(config.char_min, config.char_max + 1):
            if i + n > len(stripped) or (n == 1 and stripped[i] == 32):
                continue
            out.append(_mix(_fold(config.seeds[0], stripped[i : i + n])) & mask)
    for buf, seed in ((stripped, config.seeds[1]), (orig, config.seeds[2])):
        words = [w for w in _split(buf) if w]
        prev = None
        for word in words:
            h = _fold(seed, word)
            out.append(_mix(h) & mask)
            if prev is not None:
                out.append(_mix(_fold(prev, [h])) & mask)
            prev = h
    return out


def _split(buf: list[int]) -> list[list[int]]:
    words: list[list[int]] = [[]]
    for c in buf:
        if c == 32:
            words.append([])
        else:
            words[-1].append(c)
    return words
