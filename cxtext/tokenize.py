"""Vietnamese word segmentation through underthesea (offline; imported on first use)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from .normalize._input import DEFAULT_MAX_CHARS, check_text

__all__ = ["word_tokenize"]


def word_tokenize(
    text: str, *, join: bool = False, max_chars: int = DEFAULT_MAX_CHARS
) -> list[str]:
    """Split ``text`` into Vietnamese words (``"Việt Nam"`` is one word) with underthesea's CRF.

    ``join=True`` writes multi-syllable words with underscores (``Việt_Nam``), the form most
    Vietnamese models expect. Runs offline. ``""`` gives ``[]``; bad input raises
    :class:`cxtext.TextInputError`. This is ~100 times slower than :func:`cxtext.normalize`;
    keep it off hot paths that do not need words.
    """
    text = check_text(text, max_chars=max_chars)
    if not text.strip():
        return []
    words = _underthesea()(text)
    return [w.replace(" ", "_") for w in words] if join else list(words)


@lru_cache(maxsize=1)
def _underthesea() -> Callable[[str], list[str]]:
    try:
        from underthesea import word_tokenize as tokenize
    except ImportError as exc:  # pragma: no cover - underthesea is a core dependency
        raise ImportError(
            "cxtext.word_tokenize needs underthesea: pip install 'underthesea>=6.8' "
            "(a core dependency of cxkit; reinstall cxkit)"
        ) from exc
    return tokenize
