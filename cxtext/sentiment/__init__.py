"""Vietnamese sentiment: ``sentiment(text)`` and ``sentiment_batch(texts)``.

Texts are normalized with :func:`cxtext.normalize` and scored by linear heads over hashed
character and word n-grams, combined by a small tanh layer (numba kernel, numpy; no torch),
trained by ``models/sentiment/train.py`` on VLSP 2016, AIVIVN 2019 and UIT-ViSD4SA (see its
model card).
The score is ``P(positive) - P(negative)`` in [-1, 1]; the label is the most probable class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..errors import ModelError, TextInputError
from ..normalize import DEFAULT_MAX_CHARS, check_text, normalize
from .model import LABELS, SentimentModel

__all__ = ["LABELS", "Sentiment", "SentimentModel", "load_model", "sentiment", "sentiment_batch"]

MODEL_NAME = "sentiment"


@dataclass(frozen=True)
class Sentiment:
    """``label`` negative/neutral/positive; ``score`` = P(positive) - P(negative) in [-1, 1]."""

    label: str
    score: float

    def serialize(self) -> dict[str, object]:
        return {"label": self.label, "score": self.score}


def load_model() -> SentimentModel:
    """The committed model of ``models/sentiment/`` (sha256-verified, loaded once per file)."""
    from cxvoc.modelfiles import ModelFileError, model_file

    try:
        info = model_file(MODEL_NAME)
    except ModelFileError as exc:
        raise ModelError(str(exc)) from None
    return _load(str(info.path), info.sha256)


@cache
def _load(path: str, sha256: str) -> SentimentModel:
    return SentimentModel.load(path)


def sentiment(
    text: str, *, model: SentimentModel | None = None, max_chars: int = DEFAULT_MAX_CHARS
) -> Sentiment:
    """Sentiment of one Vietnamese text (with or without diacritics, social or formal).

    ``""`` (or text with no words) is neutral with score 0. ``None``, non-text, undecodable
    bytes and text longer than ``max_chars`` raise :class:`cxtext.TextInputError`.
    """
    return sentiment_batch([text], model=model, max_chars=max_chars)[0]


def sentiment_batch(
    texts: Sequence[str],
    *,
    model: SentimentModel | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    batch_size: int = 4096,
) -> list[Sentiment]:
    """Sentiment of each text, in order (the fast path: one kernel call per ``batch_size``)."""
    if isinstance(texts, str | bytes):
        raise TextInputError(
            f"texts={texts[:40]!r} is a single {type(texts).__name__}: pass a list of texts, "
            "or call sentiment(text)"
        )
    if not isinstance(batch_size, int) or batch_size < 1:
        raise TextInputError(f"batch_size={batch_size!r} must be a positive integer")
    model = model or load_model()
    cleaned = []
    for i, text in enumerate(texts):
        cleaned.append(normalize(check_text(text, max_chars=max_chars, name=f"texts[{i}]")))
    out: list[Sentiment] = []
    for start in range(0, len(cleaned), batch_size):
        chunk = cleaned[start : start + batch_size]
        try:
            probs = model.probabilities(chunk)
        except (ValueError, IndexError) as exc:  # pragma: no cover - corrupt arrays
            raise ModelError(f"sentiment model failed on a batch: {exc}") from exc
        out.extend(_results(chunk, probs, model.labels))
    return out


def _results(texts: list[str], probs: np.ndarray, labels: tuple[str, ...]) -> list[Sentiment]:
    best = probs.argmax(axis=1)
    scores = probs[:, labels.index("positive")] - probs[:, labels.index("negative")]
    results = []
    for text, k, score in zip(texts, best.tolist(), scores.tolist(), strict=True):
        if not text.strip():
            results.append(Sentiment("neutral", 0.0))
        else:
            results.append(Sentiment(labels[k], round(float(score), 4)))
    return results
