"""cxtext: the Vietnamese text layer of cxkit (social text, call transcripts, library users).

One verb per task at the package root:

- :func:`normalize` — NFC, one tone-mark convention, social-text clean-up (teencode, emoji,
  repeated letters, URLs and mentions); :func:`strip_diacritics`; :class:`Normalizer` for
  your own lexicons.

Errors derive from :class:`CxTextError` (see :mod:`cxtext.errors`).
"""

from .errors import CxTextError, LexiconError, ModelError, TextInputError
from .normalize import Normalizer, normalize, strip_diacritics

__all__ = [
    "CxTextError",
    "LexiconError",
    "ModelError",
    "Normalizer",
    "TextInputError",
    "normalize",
    "strip_diacritics",
]
