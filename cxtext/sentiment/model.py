"""The sentiment model: linear heads over hashed n-grams and a small combining network.

The model file (``models/sentiment/sentiment.npz``, written by ``models/sentiment/train.py``)
holds:

- ``weights``, ``sq_scale`` ``(n_buckets, n_heads)``: per head, the weight of each hashed feature
  and the square of its scale (the features of a text are its distinct hashed n-grams, scaled and
  L2-normalized per head, see :func:`cxtext.sentiment._kernels.score_ngrams`);
- ``head_blocks`` ``(n_heads, 3)`` (optional, default all ones): which feature blocks (character
  n-grams, stripped words, original words) each head sees;
- ``head_bias`` ``(n_heads,)``;
- ``hidden`` ``(n_heads, n_hidden)`` and ``hidden_bias`` ``(n_hidden,)`` (optional): a tanh layer
  ``h = tanh((scores + head_bias) @ hidden + hidden_bias)``; without it ``h = scores + head_bias``;
- ``combine`` ``(n_hidden or n_heads, 3)`` and ``combine_bias`` ``(3,)``: the class logits are
  ``h @ combine + combine_bias``;
- ``config``: the JSON of the :class:`~cxtext.sentiment.features.HashingConfig` and the labels.

Files without ``head_blocks`` and ``hidden`` (version 1) load as a linear combiner over heads
that see every block.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .features import HashingConfig, score_texts

__all__ = ["LABELS", "SentimentModel"]

LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class SentimentModel:
    """Loaded model arrays; :meth:`probabilities` maps normalized texts to class probabilities."""

    config: HashingConfig
    weights: np.ndarray
    sq_scale: np.ndarray
    head_bias: np.ndarray
    combine: np.ndarray
    combine_bias: np.ndarray
    labels: tuple[str, ...] = LABELS
    head_blocks: np.ndarray | None = None
    hidden: np.ndarray | None = None
    hidden_bias: np.ndarray | None = None

    @classmethod
    def load(cls, path: str | Path) -> SentimentModel:
        """Read a model file written by ``models/sentiment/train.py``."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["config"]))
                model = cls(
                    config=HashingConfig(
                        n_buckets=int(meta["n_buckets"]),
                        char_min=int(meta["char_min"]),
                        char_max=int(meta["char_max"]),
                        seeds=tuple(int(s) for s in meta["seeds"]),  # type: ignore[arg-type]
                    ),
                    weights=np.ascontiguousarray(data["weights"], dtype=np.float32),
                    sq_scale=np.ascontiguousarray(data["sq_scale"], dtype=np.float32),
                    head_bias=np.asarray(data["head_bias"], dtype=np.float64),
                    combine=np.asarray(data["combine"], dtype=np.float64),
                    combine_bias=np.asarray(data["combine_bias"], dtype=np.float64),
                    labels=tuple(meta["labels"]),
                    head_blocks=_optional(data, "head_blocks", np.uint8),
                    hidden=_optional(data, "hidden", np.float64),
                    hidden_bias=_optional(data, "hidden_bias", np.float64),
                )
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelError(
                f"sentiment model file {path} is unreadable ({exc}); rebuild it with "
                "`python models/sentiment/train.py ../shared/data/vi-sentiment`"
            ) from None
        model._check(path)
        return model

    def _check(self, path: str | Path) -> None:
        n_buckets, n_heads = self.weights.shape
        n_in = n_heads
        hidden_ok = (self.hidden is None) == (self.hidden_bias is None)
        if self.hidden is not None and self.hidden_bias is not None:
            n_in = self.hidden_bias.shape[0]
            hidden_ok = self.hidden.shape == (n_heads, n_in) and self.hidden_bias.ndim == 1
        if (
            n_buckets != self.config.n_buckets
            or n_buckets & (n_buckets - 1)
            or self.sq_scale.shape != self.weights.shape
            or self.head_bias.shape != (n_heads,)
            or not hidden_ok
            or (self.head_blocks is not None and self.head_blocks.shape != (n_heads, 3))
            or self.combine.shape != (n_in, len(self.labels))
            or self.combine_bias.shape != (len(self.labels),)
            or self.labels != LABELS
        ):
            raise ModelError(f"sentiment model file {path} has inconsistent array shapes or labels")

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 3)`` class logits of already-normalized texts."""
        scores = score_texts(texts, self.config, self.weights, self.sq_scale, self.head_blocks)
        h = scores + self.head_bias
        if self.hidden is not None and self.hidden_bias is not None:
            h = np.tanh(h @ self.hidden + self.hidden_bias)
        return h @ self.combine + self.combine_bias

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 3)`` class probabilities (negative, neutral, positive)."""
        z = self.logits(texts)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z


def _optional(data: np.lib.npyio.NpzFile, key: str, dtype: type) -> np.ndarray | None:
    return np.ascontiguousarray(data[key], dtype=dtype) if key in data.files else None
