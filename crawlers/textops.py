"""The text operations the item pipeline applies, bundled so tests and benchmarks can swap them.

:func:`cxtext_ops` (the default) binds cxtext's verbs, imported lazily; :func:`basic_ops` is a
small deterministic stand-in (NFC, regex PII masks, a keyword sentiment lexicon) that tests of the
crawl machinery inject through the ``CX_TEXT_OPS`` setting so they do not depend on models.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["NearDuplicateIndex", "TextOps", "basic_ops", "cxtext_ops", "load_text_ops"]

log = logging.getLogger(__name__)

Scored = tuple[str, float]  # (label, score in [-1, 1])
AspectScore = tuple[str, str, float]  # (aspect, label, score)
BrandScores = dict[str, Scored]  # brand -> (label, score), per brand a text names


class NearDuplicateIndex(Protocol):
    def add(self, key: str, text: str) -> str | None:
        """Add ``text`` under ``key``; return the key of an earlier near-duplicate, or None."""


@dataclass(frozen=True)
class TextOps:
    """The pipeline's text steps. Each takes and returns plain Python values."""

    display: Callable[[str], str]  # NFC + tone marks: the stored text
    analysis: Callable[[str], str]  # social-text normalization: input of brands, dedupe, models
    mask_pii: Callable[[str], str]
    brands: Callable[[str], list[str]] | None  # brand names found in analysis text
    sentiment_batch: Callable[[list[str]], list[Scored]] | None  # None: records get none
    aspects: Callable[[str], list[AspectScore]] | None
    near_duplicates: Callable[[float], NearDuplicateIndex]
    models: dict[str, str] = field(default_factory=dict)
    # per-brand sentiment of display text (None: records get the post's sentiment for each brand)
    brand_sentiment_batch: Callable[[list[str]], list[BrandScores]] | None = None


def load_text_ops(spec: str | Callable[[], TextOps]) -> TextOps:
    """``"module:function"`` (or a callable) returning :class:`TextOps`."""
    if callable(spec):
        return spec()
    from importlib import import_module

    module, _, name = str(spec).partition(":")
    if not name:
        raise ValueError(f"CX_TEXT_OPS={spec!r} must look like 'package.module:function'")
    return getattr(import_module(module), name)()


# -- cxtext ----------------------------------------------------------------------------------
def cxtext_ops() -> TextOps:
    """Bind cxtext's normalize, mask_pii, brands, dedupe, sentiment_batch and aspects.

    normalize, mask_pii, brands and dedupe are required; without ``sentiment_batch`` or
    ``aspects`` (older cxtext) records are stored without them and a warning says so.
    """
    import cxtext

    missing = [n for n in ("normalize", "mask_pii", "brands") if not hasattr(cxtext, n)]
    if missing:
        raise ImportError(
            f"cxtext lacks {missing}; this cxkit build cannot process social text "
            "(set CX_TEXT_OPS='crawlers.textops:basic_ops' to crawl with the basic stand-ins)"
        )
    from cxtext.dedupe import NearDuplicateIndex as CxIndex

    def brands(text: str) -> list[str]:
        return [span.brand for span in cxtext.brands(text)]

    sentiment_batch: Callable[[list[str]], list[Scored]] | None = None
    aspects: Callable[[str], list[AspectScore]] | None = None
    if hasattr(cxtext, "sentiment_batch"):

        def sentiment_batch(texts: list[str]) -> list[Scored]:
            scored = cxtext.sentiment_batch(texts)  # type: ignore[attr-defined]
            return [(s.label, float(s.score)) for s in scored]

    else:
        log.warning("cxtext has no sentiment_batch: social records are stored without sentiment")
    if hasattr(cxtext, "aspects"):

        def aspects(text: str) -> list[AspectScore]:
            found = cxtext.aspects(text)  # type: ignore[attr-defined]
            return [(a.aspect, a.label, float(a.score)) for a in found]

    else:
        log.warning("cxtext has no aspects: social records are stored without aspects")
    brand_sentiment_batch: Callable[[list[str]], list[BrandScores]] | None = None
    if hasattr(cxtext, "brand_sentiment_batch"):

        def brand_sentiment_batch(texts: list[str]) -> list[BrandScores]:
            found = cxtext.brand_sentiment_batch(texts)  # type: ignore[attr-defined]
            return [{b: (s.label, float(s.score)) for b, s in f.items()} for f in found]

    models: dict[str, str] = {}
    version = getattr(cxtext, "__version__", None)
    if version:
        models["cxtext"] = str(version)
    return TextOps(
        display=lambda t: cxtext.normalize(t, social=False),
        analysis=lambda t: cxtext.normalize(t, social=True),
        mask_pii=cxtext.mask_pii,
        brands=brands,
        sentiment_batch=sentiment_batch,
        aspects=aspects,
        near_duplicates=lambda threshold: CxIndex(threshold=threshold),
        models=models,
        brand_sentiment_batch=brand_sentiment_batch,
    )


# -- basic stand-ins -------------------------------------------------------------------------
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSITIVE = ("tốt", "nhanh", "ổn định", "hài lòng", "tuyệt", "rẻ", "thích", "mạnh")
_NEGATIVE = ("chậm", "mất sóng", "tệ", "đắt", "lỗi", "chán", "bực", "yếu", "rớt mạng")
_ASPECTS = {
    "network_quality": ("sóng", "mạng", "4g", "5g", "tốc độ"),
    "price": ("giá", "cước", "đắt", "rẻ"),
    "customer_service": ("tổng đài", "nhân viên", "chăm sóc", "hỗ trợ"),
}


def _basic_mask(text: str) -> str:
    return _EMAIL.sub("[EMAIL]", _PHONE.sub("[PHONE]", text))


def _basic_score(text: str) -> Scored:
    low = text.casefold()
    pos = sum(low.count(w) for w in _POSITIVE)
    neg = sum(low.count(w) for w in _NEGATIVE)
    if pos == neg:
        return ("neutral", 0.0)
    score = (pos - neg) / (pos + neg)
    return ("positive" if score > 0 else "negative", round(score, 4))


def _basic_aspects(text: str) -> list[AspectScore]:
    low = text.casefold()
    label, score = _basic_score(text)
    return [(a, label, score) for a, words in _ASPECTS.items() if any(w in low for w in words)]


class _ExactIndex:
    """Drops texts whose casefolded, whitespace-collapsed form was seen before."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}

    def add(self, key: str, text: str) -> str | None:
        digest = hashlib.blake2b(" ".join(text.casefold().split()).encode(), digest_size=16)
        earlier = self._keys.setdefault(digest.hexdigest(), key)
        return None if earlier == key else earlier


def _exact_index(threshold: float) -> NearDuplicateIndex:
    return _ExactIndex()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def basic_ops() -> TextOps:
    """Deterministic stand-ins with no models (for tests of the crawl machinery)."""

    def sentiment_batch(texts: Sequence[str]) -> list[Scored]:
        return [_basic_score(t) for t in texts]

    return TextOps(
        display=_nfc,
        analysis=lambda t: _nfc(t).casefold(),
        mask_pii=_basic_mask,
        brands=None,
        sentiment_batch=sentiment_batch,  # type: ignore[arg-type]
        aspects=_basic_aspects,
        near_duplicates=_exact_index,
        models={"basic": "1"},
    )
