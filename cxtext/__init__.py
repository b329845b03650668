"""cxtext: the Vietnamese text layer of cxkit (social text, call transcripts, library users).

One verb per task at the package root:

- :func:`normalize` — NFC, one tone-mark convention, social-text clean-up (teencode, emoji,
  repeated letters, URLs and mentions); :func:`strip_diacritics`; :class:`Normalizer` for
  your own lexicons.
- :func:`word_tokenize` — Vietnamese word segmentation (underthesea, offline).
- :func:`mask_pii` / :func:`find_pii` — phone numbers, e-mails, ID and account numbers.
- :func:`brands` — brand and competitor mentions from a YAML lexicon (:class:`BrandLexicon`).

Errors derive from :class:`CxTextError` (see :mod:`cxtext.errors`).
"""

from .brands import BrandLexicon, BrandSpan, brands
from .errors import CxTextError, LexiconError, ModelError, TextInputError
from .normalize import Normalizer, normalize, strip_diacritics
from .pii import PiiSpan, find_pii, mask_pii
from .tokenize import word_tokenize

__all__ = [
    "BrandLexicon",
    "BrandSpan",
    "CxTextError",
    "LexiconError",
    "ModelError",
    "Normalizer",
    "PiiSpan",
    "TextInputError",
    "brands",
    "find_pii",
    "mask_pii",
    "normalize",
    "strip_diacritics",
    "word_tokenize",
]
