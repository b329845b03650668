"""cxtext.word_tokenize: underthesea segmentation, offline, with the shared input checks."""

from __future__ import annotations

import pytest

from cxtext import TextInputError
from cxtext.tokenize import word_tokenize


def test_multi_syllable_words() -> None:
    words = word_tokenize("Mạng ở Hà Nội chậm quá")
    assert "Hà Nội" in words
    assert word_tokenize("Mạng ở Hà Nội chậm quá", join=True)[2] == "Hà_Nội"


def test_edges() -> None:
    assert word_tokenize("") == []
    assert word_tokenize("   ") == []
    with pytest.raises(TextInputError, match="text=None"):
        word_tokenize(None)  # type: ignore[arg-type]
